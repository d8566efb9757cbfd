// The README's runbooks, checked against the program: each is run before and after its config
// change, the state steps it writes are applied to the first plan, and what `pulumi up` would
// then do (create, change, drop retained, delete) must be exactly the list the runbook gives.
// Every command, URN and import comes from README.md itself, so the two cannot drift apart.
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { beforeAll, describe, expect, it } from "vitest";
import type { RawStackConfig } from "../../stacks/config/load.ts";
import { parseManifest } from "../../tools/plan/diff.ts";
import type { Manifest, ManifestResource } from "../../tools/plan/render.ts";
import { REPOSITORY_ROOT } from "../../tools/mock/run-stack.ts";
import { runStackInChild, type ChildRun } from "../support/child-run.ts";
import { planned } from "../support/plans.ts";
import { TYPES } from "../support/program.ts";
import { rawStackConfig, withValue } from "../support/stack-config.ts";

/** The version the DigitalOcean SDK registers its resources with (its package's own). */
const DIGITALOCEAN_PLUGIN = (
  createRequire(import.meta.url)("@pulumi/digitalocean/package.json") as { version: string }
).version;

type Verb = "create" | "update" | "replace" | "drop" | "delete";

interface Runbook {
  configCommands: string[];
  stateDeletes: string[];
  unprotects: string[];
  imports: { type: string; name: string; id: string; version: string; urn: string }[];
  /** `verb type name`, as the runbook lists what `pulumi up` then does. */
  plan: string[];
}

/** The text of a README section, from its heading to the next heading of its level or above. */
function section(readme: string, heading: string): string {
  const start = readme.indexOf(`\n${heading}\n`);
  if (start === -1) throw new Error(`README.md has no section "${heading}"`);
  const rest = readme.slice(start + heading.length + 2);
  const end = rest.search(/\n#{2,3} /);
  return end === -1 ? rest : rest.slice(0, end);
}

function parseRunbook(text: string): Runbook {
  const blocks = [...text.matchAll(/```(\w+)\n([\s\S]*?)```/g)].map(([, language, body]) => ({
    language,
    lines: (body ?? "")
      .split("\n")
      .map((line) => line.trim())
      .filter((line) => line !== "" && !line.startsWith("#")),
  }));
  const shell = blocks.filter((block) => block.language === "sh").flatMap((block) => block.lines);
  const urnsOf = (command: string) =>
    shell.flatMap((line) => {
      const match = new RegExp(`^pulumi state ${command} '([^']+)'$`).exec(line);
      return match?.[1] === undefined ? [] : [match[1]];
    });
  const importFile = blocks.find((block) => block.language === "json");
  if (importFile === undefined) throw new Error("the runbook has no import.json");
  const parsed = JSON.parse(importFile.lines.join("\n")) as {
    nameTable: Record<string, string>;
    resources: { type: string; name: string; id: string; parent: string; version: string }[];
  };
  const imports = parsed.resources.map((resource) => {
    const parent = parsed.nameTable[resource.parent] ?? "";
    const parentType = parent.split("::")[2] ?? "";
    const stackAndProject = parent.split("::").slice(0, 2).join("::");
    return {
      ...resource,
      urn: `${stackAndProject}::${parentType}$${resource.type}::${resource.name}`,
    };
  });
  const plan = blocks
    .filter((block) => block.language === "text")
    .flatMap((block) => block.lines)
    .map((line) => line.split(/\s+/).join(" "));
  return {
    configCommands: shell.filter((line) => line.startsWith("pulumi config ")),
    stateDeletes: urnsOf("delete"),
    unprotects: urnsOf("unprotect"),
    imports,
    plan,
  };
}

/** Applies `pulumi config set --path` and `pulumi config rm --path` lines to a stack's config. */
function applyConfig(raw: RawStackConfig, commands: readonly string[]): RawStackConfig {
  return commands.reduce((config, command) => {
    const set = /^pulumi config set --path '([^']+)' (\S+)$/.exec(command);
    if (set?.[1] !== undefined) return withValue(config, set[1], set[2]);
    const rm = /^pulumi config rm --path '([^']+)'$/.exec(command);
    if (rm?.[1] !== undefined) return withValue(config, rm[1], undefined);
    throw new Error(`the runbook's command is not one this test applies: ${command}`);
  }, raw);
}

const overridesOf = (raw: RawStackConfig) =>
  Object.fromEntries(Object.entries(raw.values).map(([key, value]) => [`platform:${key}`, value]));

const isCustom = (resource: ManifestResource) => !resource.type.startsWith("platform:");

/** What `pulumi up` does after the runbook's state steps, in the runbook's words. */
function upAfterStateSteps(before: Manifest, after: Manifest, runbook: Runbook): string[] {
  const gone = new Set(runbook.stateDeletes);
  const imported = new Set(runbook.imports.map((entry) => entry.urn));
  const state = new Map(
    before.resources.filter((resource) => !gone.has(resource.urn)).map((r) => [r.urn, r]),
  );
  const wanted = new Set(after.resources.map((resource) => resource.urn));
  const line = (verb: Verb, resource: ManifestResource) =>
    `${verb} ${resource.type} ${resource.name}`;
  const lines: string[] = [];
  for (const resource of after.resources.filter(isCustom)) {
    const old = state.get(resource.urn);
    if (old === undefined) {
      if (!imported.has(resource.urn)) lines.push(line("create", resource));
    } else if (JSON.stringify(old.inputs) !== JSON.stringify(resource.inputs)) {
      lines.push(line("update", resource));
    }
  }
  for (const resource of [...state.values()].filter(isCustom)) {
    if (!wanted.has(resource.urn)) {
      lines.push(line(resource.retainOnDelete ? "drop" : "delete", resource));
    }
  }
  return lines.sort();
}

/** The runbook's list, `replace` counted as the change it is to the plan. */
const plannedChanges = (runbook: Runbook) =>
  runbook.plan.map((entry) => entry.replace(/^replace /, "update ")).sort();

const named = (manifest: Manifest, type: string, name: string) => {
  const found = manifest.resources.find((r) => r.type === type && r.name === name);
  if (found === undefined) throw new Error(`no ${type} named ${name} in ${manifest.stack}`);
  return found;
};

/** Resources the runbooks must never delete through the provider. */
const KEPT_TYPES = [
  TYPES.cluster,
  TYPES.replica,
  TYPES.database,
  TYPES.user,
  TYPES.connectionPool,
  TYPES.firewall,
  TYPES.vpc,
  TYPES.vpcPeering,
  TYPES.app,
];

interface Scenario {
  runbook: Runbook;
  beforeRun: ChildRun;
  afterRun: ChildRun;
  before: Manifest;
  after: Manifest;
}

let restore: Scenario;
let lostRegion: Scenario;

beforeAll(async () => {
  const readme = await readFile(`${REPOSITORY_ROOT}README.md`, "utf8");
  const production = await rawStackConfig("production");

  const restoreText = section(readme, "### Restore the database to a point in time");
  const restoreRunbook = parseRunbook(restoreText);
  const restorePoint = /pulumi config set --path 'database\.restore\.at' (\S+)/.exec(
    restoreText,
  )?.[1];
  if (restorePoint === undefined) throw new Error("the restore runbook sets no restore point");
  const restoring = withValue(production, "database.restore.at", restorePoint);
  // The copy exists: the last deployment restored it (so the window is not checked again).
  const restored = { platform: { database: { restore: { at: restorePoint } } } };

  const lostRegionRunbook = parseRunbook(section(readme, "### A lost region"));

  const [restoreBefore, restoreAfter, lostBefore, lostAfter] = await Promise.all([
    runStackInChild("production", {
      configOverrides: overridesOf(restoring),
      lastOutputs: restored,
    }),
    runStackInChild("production", {
      configOverrides: overridesOf(applyConfig(restoring, restoreRunbook.configCommands)),
      lastOutputs: restored,
    }),
    planned("production").then(({ child }) => child),
    runStackInChild("production", {
      configOverrides: overridesOf(applyConfig(production, lostRegionRunbook.configCommands)),
    }),
  ]);
  const scenario = (runbook: Runbook, beforeRun: ChildRun, afterRun: ChildRun): Scenario => ({
    runbook,
    beforeRun,
    afterRun,
    before: parseManifest(beforeRun.manifest, "the plan before"),
    after: parseManifest(afterRun.manifest, "the plan after"),
  });
  restore = scenario(restoreRunbook, restoreBefore, restoreAfter);
  lostRegion = scenario(lostRegionRunbook, lostBefore, lostAfter);
}, 120_000);

describe.each([
  ["restoring a point in time, then cutting over", () => restore],
  ["a lost region", () => lostRegion],
])("the runbook for %s", (_name, current) => {
  it("changes the config to one the program accepts", () => {
    const { beforeRun, afterRun, runbook } = current();
    expect(runbook.configCommands.length).toBeGreaterThan(0);
    expect(beforeRun.errors).toEqual([]);
    expect(afterRun.errors).toEqual([]);
  });

  it("names state steps for resources that exist, and imports into the plan after", () => {
    const { before, after, runbook } = current();
    const beforeUrns = new Set(before.resources.map((resource) => resource.urn));
    for (const urn of [...runbook.stateDeletes, ...runbook.unprotects]) {
      expect(beforeUrns, urn).toContain(urn);
    }
    expect(runbook.imports.length).toBeGreaterThan(0);
    for (const entry of runbook.imports) {
      expect(beforeUrns.has(entry.urn), entry.urn).toBe(false);
      expect(after.resources.find((resource) => resource.urn === entry.urn)?.type).toBe(entry.type);
      // The program's own plugin: without a version, the import takes the newest on the machine
      // and the next preview replaces the provider (pulumi pkg/resource/deploy/import.go).
      expect(entry.version, entry.urn).toBe(DIGITALOCEAN_PLUGIN);
    }
  });

  it("then makes `pulumi up` do exactly what the runbook says", () => {
    const { before, after, runbook } = current();
    expect(upAfterStateSteps(before, after, runbook)).toEqual(plannedChanges(runbook));
  });

  it("never deletes a database, firewall, network or app through the provider", () => {
    const deletions = current().runbook.plan.filter((entry) => entry.startsWith("delete "));
    for (const entry of deletions) {
      expect(KEPT_TYPES, entry).not.toContain(entry.split(" ")[1]);
    }
  });

  it("unprotects every protected resource that the up drops or replaces", () => {
    const { before, runbook } = current();
    for (const entry of runbook.plan.filter((line) => /^(drop|replace) /.test(line))) {
      const [, type = "", name = ""] = entry.split(" ");
      const resource = named(before, type, name);
      if (resource.protect) expect(runbook.unprotects, entry).toContain(resource.urn);
    }
  });
});

/** The primary the runbook imports is `source` of the plan before: its name, datacenter and VPC. */
function expectAdopted({ after, runbook }: Scenario, source: ManifestResource): void {
  const primary = runbook.imports.find((entry) => entry.type === TYPES.cluster);
  if (primary === undefined) throw new Error("the runbook imports no cluster");
  expect(named(after, TYPES.cluster, primary.name).inputs).toMatchObject({
    name: source.inputs.name,
    region: source.inputs.region,
    privateNetworkUuid: source.inputs.privateNetworkUuid,
  });
}

describe("the lost-region runbook", () => {
  it("makes the program follow the promoted replica: its name, datacenter and VPC", () => {
    expectAdopted(lostRegion, named(lostRegion.before, TYPES.replica, "database-replica-ams3"));
  });

  it("relies on the load balancer failing over by itself, and puts the survivor first", () => {
    // Pools in the order the load balancer tries them (steering off: the first healthy one). The
    // offline ids of Cloudflare resources start with their logical names.
    const poolsInOrder = (manifest: Manifest) => {
      const balancer = named(manifest, TYPES.loadBalancer, "app-load-balancer-load-balancer");
      expect(balancer.inputs.steeringPolicy).toBe("off");
      return (balancer.inputs.defaultPools as string[]).map(
        (id) =>
          manifest.resources.find(
            (resource) => resource.type === TYPES.pool && id.startsWith(`${resource.name}-`),
          )?.name,
      );
    };
    expect(poolsInOrder(lostRegion.before)).toEqual([
      "app-load-balancer-pool-fra",
      "app-load-balancer-pool-ams",
    ]);
    expect(poolsInOrder(lostRegion.after)).toEqual([
      "app-load-balancer-pool-ams",
      "app-load-balancer-pool-lon",
    ]);
  });
});

describe("the restore runbook's cut-over", () => {
  it("makes the program adopt the restored copy: its name, datacenter and VPC", () => {
    expectAdopted(restore, named(restore.before, TYPES.cluster, "database-restore-cluster"));
  });

  it("takes the copy out of the restore's resources before the setting goes", () => {
    const { before, runbook } = restore;
    const restoreResources = before.resources.filter(
      (resource) =>
        isCustom(resource) &&
        !resource.retainOnDelete &&
        resource.name.startsWith("database-restore"),
    );
    expect(restoreResources.map((resource) => resource.urn).sort()).toEqual(
      [...runbook.stateDeletes].sort(),
    );
  });
});
