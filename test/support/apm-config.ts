// Production's stack config with an APM backend (and a Slack webhook) switched on, as the
// overrides `runStack` takes.
import { readFile } from "node:fs/promises";
import type { RunStackOptions } from "../../tools/mock/run-stack.ts";
import { fakeSecret, stackFilePath } from "../../tools/mock/run-stack.ts";
import { stackConfigFromYaml } from "../../stacks/config/stack-file.ts";

export async function withApm(apm: Record<string, unknown>): Promise<RunStackOptions> {
  const file = stackConfigFromYaml(
    await readFile(stackFilePath("production"), "utf8"),
    "platform",
    fakeSecret,
  );
  const monitoring = JSON.parse(file.values["platform:monitoring"] ?? "{}") as object;
  return {
    configOverrides: {
      "platform:monitoring": JSON.stringify({ ...monitoring, apm }),
      "platform:apmIngestKey": fakeSecret("apmIngestKey"),
      "platform:slackWebhookUrl": fakeSecret("slackWebhookUrl"),
    },
    secretOverrides: ["platform:apmIngestKey", "platform:slackWebhookUrl"],
  };
}
