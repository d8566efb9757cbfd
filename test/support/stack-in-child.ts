// Runs one stack under the mock runtime in a child process and prints what the tests compare.
// Pulumi's runtime state is per process, so a test that needs several runs of the program (a
// second deployment, a rotated secret) runs each here.
// The bootstrap project's stack is `identity` (its options are RunBootstrapOptions).
//   node test/support/stack-in-child.ts '<json of { stack, options }>'
import type { RunBootstrapOptions, RunStackOptions } from "../../tools/mock/run-stack.ts";
import { BOOTSTRAP_STACK, runBootstrap, runStack } from "../../tools/mock/run-stack.ts";
import { renderManifest } from "../../tools/plan/render.ts";

interface Request {
  stack: string;
  options: RunStackOptions & RunBootstrapOptions;
  /** Also print the whole run record (inputs unmasked: the offline stand-ins, never real secrets). */
  full?: boolean;
}

const request = JSON.parse(process.argv[2] ?? "{}") as Request;
const run =
  request.stack === BOOTSTRAP_STACK
    ? await runBootstrap(request.options)
    : await runStack(request.stack, request.options);
process.stdout.write(
  JSON.stringify({
    errors: run.errors.map(String),
    manifest: renderManifest(request.stack, run),
    options: run.resources.map(
      ({ type, name, ignoreChanges, dependsOn, replacementTrigger, protect, retainOnDelete }) => ({
        type,
        name,
        ignoreChanges,
        dependsOn,
        replacementTrigger,
        protect,
        retainOnDelete,
      }),
    ),
    ...(request.full === true ? { run: { ...run, errors: run.errors.map(String) } } : {}),
  }),
);
