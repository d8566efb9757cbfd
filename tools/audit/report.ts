// The audit report as one structured object (what `--json` prints, and what the Markdown renders).
// Two sources meet here: the offline plan of this commit, which declares every resource, policy
// result, protection flag and secret destination; and the `platform` output, which reports the
// deployment's facts (ids, endpoints, digests, ranges, trusted sources). Offline both come from the
// plan; with `--outputs` the facts are the real deployment's.
import type { CostContext } from "../../policy/cost/context.ts";
import type { Manifest } from "../plan/render.ts";
import { costSection, type CostSection } from "./cost.ts";
import type { DataSection, EncryptionRow } from "./data.ts";
import { dataSection, encryptionRows } from "./data.ts";
import type { Inventory, ProtectionSection } from "./inventory.ts";
import { inventoryOf, protectedResources } from "./inventory.ts";
import type { BootstrapFacts, MonitoringSection, PipelineSection } from "./operations.ts";
import { monitoringSection, pipelineSection } from "./operations.ts";
import type { PlatformFacts } from "./outputs.ts";
import type { PolicySection } from "./policies.ts";
import type { DatabaseConnection, SecretsSection } from "./secrets.ts";

export interface ReportSource {
  /** Where ids, endpoints, digests, ranges and trusted sources come from. */
  facts: "offline plan" | "stack outputs";
  /** The `--outputs` file (`-` for stdin); null offline. */
  outputsFile: string | null;
  /** Inventory, policy results, protection and secrets: always the plan of this commit. */
  declarations: "offline plan";
}

export interface DeploymentFacts {
  hostnames: { app: string; assets: string } | null;
  project: { id: string; name: string } | null;
  apps: { name: string; role: string; region: string; appId: string; originHost: string }[];
  images: { service: string; repoDigest: string }[];
}

export interface AuditReport {
  stack: string;
  commit: string | null;
  /** Whether the work tree differs from the commit (the plan is of the work tree). */
  uncommittedChanges: boolean | null;
  generatedAt: string;
  source: ReportSource;
  /** Sections of the `platform` output this report expected and did not find. */
  missingOutputs: string[];
  deployment: DeploymentFacts;
  inventory: Inventory;
  policies: PolicySection;
  data: DataSection;
  encryption: EncryptionRow[];
  protection: ProtectionSection;
  secrets: SecretsSection;
  monitoring: MonitoringSection | null;
  pipeline: PipelineSection | null;
  cost: CostSection;
}

export interface ReportInput {
  stack: string;
  commit: { sha: string; dirty: boolean } | null;
  generatedAt: string;
  outputsFile: string | null;
  /** The offline plan of this commit (secret leaves already `[secret]`). */
  manifest: Manifest;
  /** The bootstrap project's offline plan of this commit: the pipeline's controls. */
  bootstrap: BootstrapFacts;
  platform: PlatformFacts;
  policies: PolicySection;
  secrets: SecretsSection;
  connections: DatabaseConnection[];
  /** The stack config's budget, usage assumptions, zone plan and bucket region. */
  cost: CostContext;
}

/** The output's sections the report reads; an older deployment may lack some. */
const REPORTED_OUTPUTS = [
  "regions",
  "hostnames",
  "project",
  "network",
  "registry",
  "images",
  "apps",
  "database",
  "assets",
  "edge",
  "monitoring",
  "delivery",
  "integrations",
] as const;

function deploymentOf(platform: PlatformFacts): DeploymentFacts {
  return {
    hostnames: platform.hostnames ?? null,
    project: platform.project ?? null,
    apps: (platform.apps ?? []).map((app) => ({
      name: app.name,
      role: app.role,
      region: `${app.region.appRegion} (${app.region.datacenter})`,
      appId: app.appId,
      originHost: app.originHost,
    })),
    images: Object.entries(platform.images ?? {}).map(([service, image]) => ({
      service,
      repoDigest: image.repoDigest,
    })),
  };
}

function declaredProtection(platform: PlatformFacts): ProtectionSection["declared"] {
  return [
    ...(platform.database === undefined
      ? []
      : [
          {
            what: "database (cluster, database, replicas)",
            protected: platform.database.protected,
          },
        ]),
    ...(platform.registry === undefined
      ? []
      : [{ what: `registry ${platform.registry.name}`, protected: platform.registry.protected }]),
    ...Object.values(platform.assets?.buckets ?? {}).map((bucket) => ({
      what: `bucket ${bucket.name}`,
      protected: bucket.protected,
    })),
  ];
}

export function buildReport(input: ReportInput): AuditReport {
  const { manifest, platform } = input;
  const resources = manifest.resources;
  return {
    stack: input.stack,
    commit: input.commit?.sha ?? null,
    uncommittedChanges: input.commit?.dirty ?? null,
    generatedAt: input.generatedAt,
    source: {
      facts: input.outputsFile === null ? "offline plan" : "stack outputs",
      outputsFile: input.outputsFile,
      declarations: "offline plan",
    },
    missingOutputs: REPORTED_OUTPUTS.filter((key) => platform[key] === undefined),
    deployment: deploymentOf(platform),
    inventory: inventoryOf(resources),
    policies: input.policies,
    data: dataSection(platform, resources),
    encryption: encryptionRows(platform, resources, input.connections),
    protection: {
      resources: protectedResources(resources),
      declared: declaredProtection(platform),
    },
    secrets: input.secrets,
    monitoring: monitoringSection(platform, resources),
    pipeline: pipelineSection(platform, input.bootstrap),
    cost: costSection(resources, input.cost),
  };
}
