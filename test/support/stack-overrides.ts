// A stack run with a few of the stack file's values changed: how a test switches on APM, rotates
// the origin lock, asks for a restore or breaks a region, without a stack file of its own.
import { expect } from "vitest";
import { readStack, runStack, type RunStackOptions } from "../../tools/mock/run-stack.ts";
import { type Manifest, manifestOf } from "../../tools/plan/render.ts";
import { fakeSecret } from "../../tools/mock/run-stack.ts";

/** The structured value `platform:<key>` of `Pulumi.<stack>.yaml`, parsed. */
export async function stackValue<T extends object = Record<string, unknown>>(
  stack: string,
  key: string,
): Promise<T> {
  const file = await readStack(stack);
  return JSON.parse(file.values[`platform:${key}`] ?? "{}") as T;
}

/**
 * `configOverrides` that lay each patch over the stack file's value of its key (`{ edge: {
 * originLockGeneration: 2 } }` keeps the rest of `platform:edge`); one level deep, as the tests
 * change a field of a group.
 */
export async function patchedConfig(
  stack: string,
  patches: Record<string, object>,
): Promise<Record<string, string>> {
  const entries = await Promise.all(
    Object.entries(patches).map(async ([key, patch]) => [
      `platform:${key}`,
      JSON.stringify({ ...(await stackValue(stack, key)), ...patch }),
    ]),
  );
  return Object.fromEntries(entries) as Record<string, string>;
}

/** Production with an APM backend (and a Slack webhook) switched on, as `runStack` takes it. */
export async function withApm(apm: Record<string, unknown>): Promise<RunStackOptions> {
  const monitoring = await stackValue("production", "monitoring");
  return {
    configOverrides: {
      "platform:monitoring": JSON.stringify({ ...monitoring, apm }),
      "platform:apmIngestKey": fakeSecret("apmIngestKey"),
      "platform:slackWebhookUrl": fakeSecret("slackWebhookUrl"),
    },
    secretOverrides: ["platform:apmIngestKey", "platform:slackWebhookUrl"],
  };
}

/** Runs `stack` in this process and returns its plan, once the run is known to have no error. */
export async function cleanManifest(stack: string, options: RunStackOptions): Promise<Manifest> {
  const run = await runStack(stack, options);
  expect(run.errors).toEqual([]);
  return manifestOf(stack, run);
}
