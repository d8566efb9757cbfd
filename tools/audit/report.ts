// The audit report as one structured object (what `--json` prints, and what the Markdown renders).
// Two sources meet here: the offline plan of this commit, which declares every resource, policy
// result, protection flag and secret destination; and the `platform` output, which reports the
// deployment's facts (ids, endpoints, digests, ranges, trusted sources). Offline both come from the
// plan; with `--outputs` the facts are the real deployment's.
import type { CostContext } from "../../policy/cost/context.ts";
import { estimateCost } from "../../policy/cost/estimate.ts";
import type { ProgramRun } from "../mock/run-program.ts";
import type { Manifest } from "../plan/render.ts";
import { isRecord } from "../../policy/values.ts";
import { dataSection, encryptionRows } from "./data.ts";
import { publicEndpoints } from "./endpoints.ts";
import { inventoryOf, protectedResources } from "./inventory.ts";
import { type BootstrapFacts, monitoringSection, pipelineSection } from "./operations.ts";
import { type PlatformFacts, REPORTED_OUTPUTS } from "./outputs.ts";
import { evaluatePolicies } from "./policies.ts";
import { databaseConnections, secretsSection } from "./secrets.ts";

/** The offline plan of this commit: the run (secrets in hand), its manifest (secrets masked). */
export interface OfflinePlan {
  run: ProgramRun;
  manifest: Manifest;
  /** `<key>` → the stand-in value of each secret config key the stack sets. */
  secretValues: Record<string, string>;
  /** The stack config's budget, usage assumptions, zone plan and bucket region. */
  cost: CostContext;
}

export interface ReportInput {
  stack: string;
  commit: { sha: string; dirty: boolean } | null;
  generatedAt: string;
  /** The `--outputs` file (`-` for stdin); null offline. */
  outputsFile: string | null;
  plan: OfflinePlan;
  /** The bootstrap project's offline plan of this commit: the pipeline's controls. */
  bootstrap: BootstrapFacts;
  /** Where ids, endpoints, digests, ranges and trusted sources come from. */
  platform: PlatformFacts;
}

/** What the stack costs a month: the estimate `pnpm cost` prints, and the budget it is held to. */
function costSection({ manifest, cost }: OfflinePlan) {
  const estimate = estimateCost(manifest.resources, cost);
  const budget = cost.budget ?? null;
  return {
    monthly: estimate.monthly,
    budget,
    withinBudget: budget === null ? null : estimate.monthly.min <= budget,
    /** The items that cost something; the others each have their source in `pnpm cost --json`. */
    items: estimate.items.filter((item) => item.monthly.max > 0),
    free: estimate.items.filter((item) => item.monthly.max === 0).length,
    unpriced: estimate.unpriced,
    outside: estimate.outside,
    assumptions: estimate.assumptions,
    problems: estimate.problems,
  };
}

/** What the outputs declare protected: the database, the registry and each bucket. */
function declaredProtection({ database, registry, assets }: PlatformFacts) {
  return [
    ...(database === undefined
      ? []
      : [{ what: "database (cluster, database, replicas)", protected: database.protected }]),
    ...(registry === undefined
      ? []
      : [{ what: `registry ${registry.name}`, protected: registry.protected }]),
    ...Object.values(assets?.buckets ?? {}).map((bucket) => ({
      what: `bucket ${bucket.name}`,
      protected: bucket.protected,
    })),
  ];
}

/** The paths (`deployment.apps[0].appId`) of the report's texts that hold a made-up value. */
function simulatedPaths(value: unknown, madeUp: readonly string[], path = ""): string[] {
  if (typeof value === "string") return madeUp.some((v) => value.includes(v)) ? [path] : [];
  const entries = Array.isArray(value) || isRecord(value) ? Object.entries(value) : [];
  return entries.flatMap(([key, item]) =>
    simulatedPaths(
      item,
      madeUp,
      Array.isArray(value) ? `${path}[${key}]` : path === "" ? key : `${path}.${key}`,
    ),
  );
}

/** A made-up value shorter than this could match ordinary text by chance. */
const SHORTEST_MARKED = 6;

export function buildReport(input: ReportInput) {
  const report = reportOf(input);
  const madeUp = [...input.plan.manifest.simulated, ...input.bootstrap.simulated].filter(
    (value) => value.length >= SHORTEST_MARKED,
  );
  /** Where the report shows a value the offline plans made up, not the cloud. */
  return { ...report, simulated: simulatedPaths(report, madeUp) };
}

function reportOf(input: ReportInput) {
  const { platform, plan } = input;
  const { resources } = plan.manifest;
  const data = dataSection(platform, resources);
  return {
    stack: input.stack,
    commit: input.commit?.sha ?? null,
    /** Whether the work tree differs from the commit (the plan is of the work tree). */
    uncommittedChanges: input.commit?.dirty ?? null,
    generatedAt: input.generatedAt,
    source: {
      facts: input.outputsFile === null ? ("offline plan" as const) : ("stack outputs" as const),
      outputsFile: input.outputsFile,
      /** Inventory, policy results, protection and secrets: always the plan of this commit. */
      declarations: "offline plan" as const,
    },
    /** Sections of the `platform` output this report expected and did not find. */
    missingOutputs: REPORTED_OUTPUTS.filter((key) => platform[key] === undefined),
    deployment: {
      hostnames: platform.hostnames ?? null,
      project: platform.project ?? null,
      apps: (platform.apps ?? []).map((app) => ({
        name: app.name,
        role: app.role,
        region: `${app.region.appRegion} (${app.region.datacenter})`,
        appId: app.appId,
        originHost: app.originHost,
      })),
      images: Object.entries(platform.images ?? {}).map(([service, { repoDigest }]) => ({
        service,
        repoDigest,
      })),
    },
    endpoints: publicEndpoints(platform, data.buckets),
    inventory: inventoryOf(resources),
    policies: evaluatePolicies(input.stack, resources, undefined, plan.cost),
    data,
    encryption: encryptionRows(platform, resources, databaseConnections(plan.run.resources)),
    protection: {
      resources: protectedResources(resources),
      declared: declaredProtection(platform),
    },
    secrets: secretsSection(plan.run.resources, plan.secretValues),
    monitoring: monitoringSection(platform, resources),
    pipeline: pipelineSection(platform, input.bootstrap),
    cost: costSection(plan),
  };
}

export type AuditReport = ReturnType<typeof buildReport>;
