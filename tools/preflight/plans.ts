// What the program and the bootstrap would declare, taken from their offline plans rather than
// restated here: the App Platform specs to validate, the VPCs the apps join, the entry-point
// rulesets and their parents, and the GitHub environments the bootstrap creates. Each plan runs
// as `pnpm plan <stack> --json` in a process of its own (Pulumi's mock runtime keeps its state per
// process), both at once.
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { z } from "zod";
import { parseManifest } from "../plan/diff.ts";
import type { Manifest, ManifestResource } from "../plan/render.ts";

const PLAN_ENTRY = fileURLToPath(new URL("../plan/cli.ts", import.meta.url));

/** A plan, or why there is none (the plan's own message: config problems, a YAML error). */
export type PlanResult = { ok: true; manifest: Manifest } | { ok: false; message: string };

export interface Plans {
  stack: PlanResult;
  bootstrap: PlanResult;
}

function runPlan(args: string[]): Promise<PlanResult> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [PLAN_ENTRY, ...args, "--json"],
      { maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error === null) {
          resolve({ ok: true, manifest: parseManifest(stdout, `pnpm plan ${args.join(" ")}`) });
        } else {
          resolve({ ok: false, message: stderr.trim() || error.message });
        }
      },
    );
  });
}

/** Both offline plans; `stackFile` replaces `Pulumi.<stack>.yaml`. */
export async function planBoth(stack: string, stackFile?: string): Promise<Plans> {
  const [stackPlan, bootstrap] = await Promise.all([
    runPlan([stack, ...(stackFile === undefined ? [] : ["--stack-file", stackFile])]),
    runPlan(["bootstrap"]),
  ]);
  return { stack: stackPlan, bootstrap };
}

function resourcesOfType(manifest: Manifest, type: string): ManifestResource[] {
  return manifest.resources.filter((resource) => resource.type === type);
}

/** An App Platform app of the plan: its spec as the provider receives it (secrets masked). */
export interface PlannedApp {
  name: string;
  /** The spec in the Pulumi SDK's shape (camelCase, `vpcs`, `domainNames`). */
  spec: Record<string, unknown>;
}

const AppInputs = z.object({
  spec: z.looseObject({ name: z.string(), region: z.string() }),
});

export function plannedApps(manifest: Manifest): PlannedApp[] {
  return resourcesOfType(manifest, "digitalocean:index/app:App").map((resource) => {
    const { spec } = AppInputs.parse(resource.inputs);
    return { name: spec.name, spec };
  });
}

/** The VPCs the stack creates, by their id in the plan (the id the app specs carry offline). */
export interface PlannedVpc {
  planId: string;
  name: string;
  region: string;
}

const NetworkOutput = z.object({
  network: z.object({
    vpcs: z.array(z.object({ datacenter: z.string(), id: z.string() })),
  }),
});

const VpcInputs = z.object({ name: z.string(), region: z.string() });

export function plannedVpcs(manifest: Manifest): PlannedVpc[] {
  const { network } = NetworkOutput.parse(manifest.outputs.platform);
  const names = new Map(
    resourcesOfType(manifest, "digitalocean:index/vpc:Vpc").map((resource) => {
      const inputs = VpcInputs.parse(resource.inputs);
      return [inputs.region, inputs.name];
    }),
  );
  return network.vpcs.map((vpc) => ({
    planId: vpc.id,
    region: vpc.datacenter,
    name: names.get(vpc.datacenter) ?? vpc.id,
  }));
}

/** A zone entry-point ruleset the stack declares, and the components above it. */
export interface PlannedRuleset {
  /** The resource's name in the stack, e.g. `edge-rules-waf`. */
  name: string;
  /** The ruleset's own name in Cloudflare, e.g. `platform waf`. */
  rulesetName: string;
  /** Its description, which marks a ruleset as the stack's own whatever its name (adopted ones keep theirs). */
  rulesetDescription: string;
  phase: string;
  /** Its parents from the stack down, each a component (type, name, URN). */
  ancestors: { type: string; name: string; urn: string }[];
}

const RulesetInputs = z.object({
  name: z.string(),
  description: z.string(),
  phase: z.string(),
  kind: z.literal("zone"),
});

export function plannedRulesets(manifest: Manifest): PlannedRuleset[] {
  const byUrn = new Map(manifest.resources.map((resource) => [resource.urn, resource]));
  const ancestorsOf = (resource: ManifestResource) => {
    const chain: { type: string; name: string; urn: string }[] = [];
    for (
      let parent = resource.parent === null ? undefined : byUrn.get(resource.parent);
      parent !== undefined;
      parent = parent.parent === null ? undefined : byUrn.get(parent.parent)
    ) {
      chain.unshift({ type: parent.type, name: parent.name, urn: parent.urn });
    }
    return chain;
  };
  return resourcesOfType(manifest, "cloudflare:index/ruleset:Ruleset").map((resource) => {
    const inputs = RulesetInputs.parse(resource.inputs);
    return {
      name: resource.name,
      rulesetName: inputs.name,
      rulesetDescription: inputs.description,
      phase: inputs.phase,
      ancestors: ancestorsOf(resource),
    };
  });
}

/**
 * A DNS record the stack creates: its hostname (`name`), type, target (`content`: the bucket's
 * regional host, from the config; absent when not known yet) and comment.
 */
const PlannedRecordInputs = z.object({
  name: z.string(),
  type: z.string(),
  content: z.string().optional(),
  comment: z.string(),
});
export type PlannedRecord = z.output<typeof PlannedRecordInputs>;

export function plannedRecords(manifest: Manifest): PlannedRecord[] {
  return resourcesOfType(manifest, "cloudflare:index/dnsRecord:DnsRecord").map((resource) =>
    PlannedRecordInputs.parse(resource.inputs),
  );
}

/** The GitHub side the bootstrap declares for one platform stack. */
export interface PlannedRepository {
  environments: {
    name: string;
    kind: string;
    reviewers: { users: string[]; teams: string[] };
    /** `branch:<name>`, `tag:<pattern>`, or `any branch` (no deployment policy). */
    deployFrom: string;
    variables: string[];
  }[];
  rulesets: { name: string; target: string }[];
  /** The S3 backend the bootstrap made for this stack, if any, and the KMS key for its secrets. */
  stateBackend?: { url: string; secretsProvider: string };
}

const BootstrapOutput = z.object({
  bootstrap: z.object({
    environments: z.array(
      z.object({
        name: z.string(),
        kind: z.string(),
        stack: z.string(),
        deployFrom: z.string(),
        reviewers: z.object({ users: z.array(z.string()), teams: z.array(z.string()) }),
        variables: z.array(z.string()),
      }),
    ),
    rulesets: z.array(z.object({ name: z.string(), target: z.string() })),
    stateBackends: z.array(
      z.object({ environment: z.string(), url: z.string(), secretsProvider: z.string() }),
    ),
  }),
});

export function plannedRepository(bootstrap: Manifest, stack: string): PlannedRepository {
  const { environments, rulesets, stateBackends } = BootstrapOutput.parse(
    bootstrap.outputs,
  ).bootstrap;
  const backend = stateBackends.find((candidate) => candidate.environment === stack);
  return {
    environments: environments
      .filter((environment) => environment.stack === stack)
      .map(({ stack: _stack, ...environment }) => environment),
    rulesets,
    ...(backend === undefined
      ? {}
      : { stateBackend: { url: backend.url, secretsProvider: backend.secretsProvider } }),
  };
}
