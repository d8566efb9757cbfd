// `database.restore`: the plan gains a new cluster restored from the live one's backups, and
// nothing else changes; a restore point outside DigitalOcean's window is refused before anything
// is registered. The program reads the clock itself, so each restore point here is relative to
// the time the test runs.
import { beforeAll, describe, expect, it } from "vitest";
import { utcTimestamp } from "../../infra/data/point-in-time.ts";
import { diffManifests, parseManifest, type ManifestDiff } from "../../tools/plan/diff.ts";
import type { Manifest, ManifestResource } from "../../tools/plan/render.ts";
import { runStackInChild, type ChildRun } from "../support/child-run.ts";
import { planned } from "../support/plans.ts";
import { TYPES } from "../support/program.ts";
import { patchedConfig } from "../support/stack-overrides.ts";

const HOUR_MS = 60 * 60 * 1000;
const restorePoint = utcTimestamp(new Date(Date.now() - 2 * HOUR_MS));
const staleRestorePoint = utcTimestamp(new Date(Date.now() - 8 * 24 * HOUR_MS));

async function withRestore(at: string) {
  return { configOverrides: await patchedConfig("production", { database: { restore: { at } } }) };
}

let live: ChildRun;
let restoring: ChildRun;
let stale: ChildRun;
let before: Manifest;
let after: Manifest;
let diff: ManifestDiff;

beforeAll(async () => {
  [live, restoring, stale] = await Promise.all([
    planned("production").then(({ child }) => child),
    runStackInChild("production", await withRestore(restorePoint)),
    runStackInChild("production", await withRestore(staleRestorePoint)),
  ]);
  before = parseManifest(live.manifest, "the live plan");
  after = parseManifest(restoring.manifest, "the restoring plan");
  diff = diffManifests(before, after);
}, 60_000);

const named = (manifest: Manifest, type: string, name: string): ManifestResource => {
  const found = manifest.resources.find(
    (resource) => resource.type === type && resource.name === name,
  );
  if (found === undefined) throw new Error(`no ${type} named ${name}`);
  return found;
};

describe("a restore in the plan", () => {
  it("runs without errors", () => {
    expect(live.errors).toEqual([]);
    expect(restoring.errors).toEqual([]);
  });

  it("adds a new cluster from the live one's backups at the point in time, and its firewall", () => {
    expect(diff.added.map(({ type, name }) => `${type} ${name}`).sort()).toEqual([
      `${TYPES.cluster} database-restore-cluster`,
      `${TYPES.firewall} database-restore-firewall-cluster`,
      "platform:data:DatabaseFirewall database-restore-firewall",
      "platform:data:RestoredCluster database-restore",
    ]);
    const cluster = named(after, TYPES.cluster, "database-restore-cluster");
    const stamp = restorePoint.replace(/[-:]/g, "").replace("T", "-").replace("Z", "");
    expect(cluster.inputs).toMatchObject({
      name: `platform-production-restore-${stamp}`,
      engine: "pg",
      version: "17",
      region: "fra1",
      size: "db-s-2vcpu-4gb",
      nodeCount: 1,
      backupRestore: { databaseName: "platform-production", backupCreatedAt: restorePoint },
      tags: ["platform", "production", "restore"],
    });
    const liveCluster = named(after, TYPES.cluster, "database-cluster");
    expect(cluster.inputs.privateNetworkUuid).toBe(liveCluster.inputs.privateNetworkUuid);
    // A rehearsal copy: discarding it (removing the setting) deletes it.
    expect(cluster.protect).toBe(false);
    expect(cluster.dependsOn).toContain(liveCluster.urn);
  });

  it("admits exactly what the live cluster admits, from the moment it exists", () => {
    const rules = (name: string) => named(after, TYPES.firewall, name).inputs.rules;
    expect(rules("database-restore-firewall-cluster")).toEqual(rules("database-firewall-cluster"));
  });

  it("never touches the live cluster, nor anything else: every other resource is unchanged", () => {
    expect(diff.removed).toEqual([]);
    expect(diff.changed.map(({ resource, paths }) => ({ urn: resource.urn, paths }))).toEqual([]);
  });

  it("is something no app waits for", () => {
    const restoreUrns = diff.added.map((resource) => resource.urn);
    for (const app of after.resources.filter((resource) => resource.type === TYPES.app)) {
      expect(app.dependsOn.filter((urn) => restoreUrns.includes(urn))).toEqual([]);
    }
  });

  it("is exported for the operator who verifies it", () => {
    const platform = after.outputs.platform as { database: { restore: unknown } };
    expect(platform.database.restore).toMatchObject({
      cluster: expect.stringMatching(/^platform-production-restore-\d{8}-\d{6}$/) as unknown,
      from: "platform-production",
      at: restorePoint,
      region: "fra1",
      size: "db-s-2vcpu-4gb",
      privateHost: expect.stringMatching(/^private-platform-production-restore-/) as unknown,
    });
    expect((before.outputs.platform as { database: { restore: unknown } }).database.restore).toBe(
      null,
    );
  });
});

describe("a restore point outside DigitalOcean's recovery window", () => {
  it("is refused before anything is registered, with the window named", () => {
    expect(stale.errors).toHaveLength(1);
    expect(stale.errors[0]).toContain("platform:database.restore.at");
    expect(stale.errors[0]).toMatch(
      /allowed: a time in DigitalOcean's point-in-time recovery window, from \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ to \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ \(the last 7 days\); it is more than 7 days ago/,
    );
    expect(parseManifest(stale.manifest, "the stale plan").resources).toEqual([]);
  });
});
