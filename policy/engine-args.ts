// The arguments the Pulumi engine passes a policy, built from an offline plan's resources, so
// that `evaluatePlan` and the tests call the pack's validate functions exactly as the engine
// does (@pulumi/policy server.ts: makeAnalyzeRpcFun, makeAnalyzeStackRpcFun).
import type {
  PolicyResource,
  PolicyResourceOptions,
  ResourceValidationArgs,
  StackValidationArgs,
} from "@pulumi/policy";

/** A resource of an offline plan: the fields of `ManifestResource` (tools/plan/render.ts) the pack reads. */
export interface PlanResource {
  urn: string;
  type: string;
  name: string;
  parent: string | null;
  protect: boolean;
  retainOnDelete: boolean;
  /** The inputs as a preview sees them: secret leaves masked as `[secret]` in a manifest. */
  inputs: Record<string, unknown>;
  /**
   * URNs the resource depends on (`ManifestResource.dependsOn`): how stack rules find the bucket
   * a control configures or the database a firewall guards. Without them those links are unknown.
   */
  dependsOn?: readonly string[];
}

/** The engine's options plus `retainOnDelete`, which only an offline plan can tell. */
export interface PlanResourceOptions extends PolicyResourceOptions {
  retainOnDelete: boolean;
}

/** Thrown by `notApplicable`, as the SDK throws its own NotApplicableError. */
export class NotApplicable extends Error {
  readonly reason: string;
  constructor(reason: string) {
    super(reason);
    this.name = "NotApplicable";
    this.reason = reason;
  }
}

function notApplicable(reason?: string): never {
  throw new NotApplicable(reason ?? "not applicable");
}

/** The type token a Pulumi resource class carries, as the SDK's `isType` compares it. */
function typeTokenOf(resourceClass: object): string | undefined {
  return "__pulumiType" in resourceClass && typeof resourceClass.__pulumiType === "string"
    ? resourceClass.__pulumiType
    : undefined;
}

export function optionsOf(resource: PlanResource): PlanResourceOptions {
  return {
    protect: resource.protect,
    retainOnDelete: resource.retainOnDelete,
    ignoreChanges: [],
    aliases: [],
    customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
    additionalSecretOutputs: [],
    ...(resource.parent === null ? {} : { parent: resource.parent }),
  };
}

export function resourceValidationArgs(resource: PlanResource): ResourceValidationArgs {
  const props = resource.inputs;
  return {
    type: resource.type,
    props,
    urn: resource.urn,
    name: resource.name,
    opts: optionsOf(resource),
    stackTags: new Map(),
    isType: (resourceClass) => typeTokenOf(resourceClass) === resource.type,
    // The SDK returns the props typed as the class's args; they are the same plain object here.
    asType: (resourceClass) =>
      typeTokenOf(resourceClass) === resource.type ? (props as never) : undefined,
    // No policy config offline: every rule reads its defaults.
    getConfig: () => ({}) as never,
    notApplicable,
  };
}

export function stackValidationArgs(resources: readonly PlanResource[]): StackValidationArgs {
  const byUrn = new Map<string, PolicyResource>();
  const converted = resources.map((resource): PolicyResource => {
    const props = resource.inputs;
    const policyResource: PolicyResource = {
      type: resource.type,
      props,
      urn: resource.urn,
      name: resource.name,
      opts: optionsOf(resource),
      dependencies: [],
      propertyDependencies: {},
      isType: (resourceClass) => typeTokenOf(resourceClass) === resource.type,
      asType: (resourceClass) =>
        typeTokenOf(resourceClass) === resource.type ? (props as never) : undefined,
    };
    byUrn.set(resource.urn, policyResource);
    return policyResource;
  });
  // Parents and dependencies are the resources themselves, as the engine links them.
  resources.forEach((resource, index) => {
    const policyResource = converted[index];
    if (policyResource === undefined) return;
    const parent = resource.parent === null ? undefined : byUrn.get(resource.parent);
    if (parent !== undefined) policyResource.parent = parent;
    policyResource.dependencies = (resource.dependsOn ?? []).flatMap((urn) => {
      const dependency = byUrn.get(urn);
      return dependency === undefined ? [] : [dependency];
    });
  });
  return {
    resources: converted,
    stackTags: new Map(),
    getConfig: () => ({}) as never,
    notApplicable,
  };
}
