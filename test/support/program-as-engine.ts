// Starts the platform program the way the engine of `pulumi preview` starts it, not under the mock
// runtime: the Node host puts its settings in the environment (@pulumi/pulumi cmd/run/index.js:
// PULUMI_NODEJS_MONITOR, _PROJECT, _STACK, _ORGANIZATION, _DRY_RUN) beside the stack's config
// (PULUMI_CONFIG, PULUMI_CONFIG_SECRET_KEYS), and the SDK builds a gRPC client to that monitor.
// The parent sets those variables; this prints how the program ended: the ConfigError's problems,
// or another error.
//   PULUMI_NODEJS_MONITOR=127.0.0.1:<port> ... node test/support/program-as-engine.ts
import { pathToFileURL } from "node:url";
import { ConfigError } from "../../stacks/config/load.ts";
import { PROGRAM_ENTRY } from "../../tools/mock/run-stack.ts";

try {
  await import(pathToFileURL(PROGRAM_ENTRY).href);
  process.stdout.write(JSON.stringify({ outcome: "ran" }));
} catch (error) {
  process.stdout.write(
    JSON.stringify(
      error instanceof ConfigError
        ? { outcome: "config", message: error.message, problems: error.problems }
        : { outcome: "error", message: String(error) },
    ),
  );
}
