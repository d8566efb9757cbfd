// `pnpm bench`'s registration floor: the floor's dependencies, then the resources of a plan
// (`plan production --json`, the file named as the argument) registered one by one through the
// same mock runtime and recorder as the plan (tools/mock/run-program.ts): each with the provider
// SDK's own class for its type (so its SDK module loads, as in the plan), the components as generic
// ComponentResources, with the type, name, parent and recorded inputs. No program code, no config:
// what the SDK itself costs to register these resources, which no program declaring them can go
// below. It is a low bound: the plan's JSON carries no provider references and its secrets as
// `[secret]` strings, and this leaves out dependsOn, protect, ignoreChanges and provider function
// calls, so the plan less this floor is at most the program's own work.
import { readFile } from "node:fs/promises";
import type { CustomResource, Resource } from "@pulumi/pulumi";
import type { Manifest } from "../plan/render.ts";
import { loadDependencies } from "./dependencies.ts";

const [manifestFile] = process.argv.slice(2);
if (manifestFile === undefined) throw new Error("usage: registration-floor.ts <plan --json file>");
// First, so that the compile cache it enables serves everything after it, as in the plan.
await loadDependencies({ eager: false });
const pulumi = await import("@pulumi/pulumi");
const { runProgram } = await import("../mock/run-program.ts");
const { requireSdk } = await import("../../infra/sdk/load.ts");
// ComponentResource is abstract: a component adds only its children and outputs.
class GenericComponent extends pulumi.ComponentResource {}

type ResourceClass = new (
  name: string,
  args: Record<string, unknown>,
  options: { parent?: Resource },
) => CustomResource;

/**
 * The SDK's class for a type token: `aws:s3/bucket:Bucket` is `aws.s3.Bucket`,
 * `digitalocean:index/app:App` is `digitalocean.App`, `pulumi:providers:aws` is `aws.Provider`.
 */
function sdkClass(type: string): ResourceClass {
  const provider = /^pulumi:providers:([\w-]+)$/.exec(type);
  const resource = /^([\w-]+):([\w-]+)\/[\w-]+:(\w+)$/.exec(type);
  const [name, module, className] =
    provider?.[1] !== undefined
      ? [provider[1], "index", "Provider"]
      : [resource?.[1], resource?.[2], resource?.[3]];
  if (name === undefined || module === undefined || className === undefined) {
    throw new Error(`${type} is not a resource type token`);
  }
  const sdk = requireSdk(`@pulumi/${name}`) as Record<string, unknown>;
  const namespace = (module === "index" ? sdk : sdk[module]) as Record<string, unknown> | undefined;
  const found = namespace?.[className];
  if (typeof found !== "function") throw new Error(`@pulumi/${name} has no class for ${type}`);
  return found as ResourceClass;
}
const { resources, stack } = JSON.parse(await readFile(manifestFile, "utf8")) as Manifest;

const run = await runProgram({
  project: "platform",
  stack,
  config: {},
  secretKeys: [],
  program: () => {
    const registered = new Map<string, Resource>();
    // The plan lists resources by URN; a parent is registered before its children.
    const pending = [...resources];
    while (pending.length > 0) {
      const ready = pending.findIndex(
        (resource) => resource.parent === null || registered.has(resource.parent),
      );
      if (ready === -1) throw new Error("a planned resource's parent is not in the plan");
      const [resource] = pending.splice(ready, 1);
      if (resource === undefined) break;
      const parent = resource.parent === null ? undefined : registered.get(resource.parent);
      const options = parent === undefined ? {} : { parent };
      registered.set(
        resource.urn,
        resource.custom
          ? new (sdkClass(resource.type))(resource.name, resource.inputs, options)
          : new GenericComponent(resource.type, resource.name, {}, options),
      );
    }
    return Promise.resolve({});
  },
});
// The same URNs as the plan: every resource registered, under the same parent.
const registeredUrns = new Set(run.resources.map((resource) => resource.urn));
const missing = resources.filter((resource) => !registeredUrns.has(resource.urn));
if (run.errors.length > 0 || missing.length > 0 || registeredUrns.size !== resources.length) {
  throw new Error(
    `registered ${registeredUrns.size} of the plan's ${resources.length} resources` +
      (missing[0] === undefined ? "" : `, not ${missing[0].urn}`) +
      run.errors.map((error) => `; ${String(error)}`).join(""),
  );
}
