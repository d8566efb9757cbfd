// A changed write-only setting must reach App Platform, an unchanged one must not diff. Each case
// is a separate run of the program (a deployment), so each runs in a process of its own.
import { beforeAll, describe, expect, it } from "vitest";
import { ignoreChangesOf, runStackInChild, type ChildRun } from "../support/child-run.ts";
import { TYPES } from "../support/program.ts";

const SENTRY = "platform:sentryDsn";
const withSentry = (dsn: string) => ({
  configOverrides: { [SENTRY]: dsn },
  secretOverrides: [SENTRY],
});

interface Manifest {
  resources: { type: string; name: string; inputs: Record<string, unknown> }[];
  outputs: { platform: { apps: { name: string; secretsDigest: string }[] } };
}

const manifestOf = (run: ChildRun) => JSON.parse(run.manifest) as Manifest;
const digestsOf = (run: ChildRun) =>
  Object.fromEntries(
    manifestOf(run).outputs.platform.apps.map((app) => [app.name, app.secretsDigest]),
  );
const lastOutputsOf = (run: ChildRun) => ({ platform: manifestOf(run).outputs.platform });

/** The manifest's lines that differ between two runs, side by side. */
function changedLines(a: ChildRun, b: ChildRun): [string, string][] {
  const left = a.manifest.split("\n");
  const right = b.manifest.split("\n");
  expect(left.length).toBe(right.length);
  return left.flatMap((line, index): [string, string][] =>
    line === right[index] ? [] : [[line.trim(), (right[index] ?? "").trim()]],
  );
}

let first: ChildRun;
let rotated: ChildRun;
let unchangedRedeploy: ChildRun;
let rotatedRedeploy: ChildRun;
let forcedRedeploy: ChildRun;

beforeAll(async () => {
  [first, rotated] = await Promise.all([
    runStackInChild("production", withSentry("https://one@o0.ingest.sentry.io/1")),
    runStackInChild("production", withSentry("https://two@o0.ingest.sentry.io/1")),
  ]);
  // Both deploy after `first`: one with the same config, one with the rotated DSN.
  [unchangedRedeploy, rotatedRedeploy, forcedRedeploy] = await Promise.all([
    runStackInChild("production", {
      ...withSentry("https://one@o0.ingest.sentry.io/1"),
      lastOutputs: lastOutputsOf(first),
    }),
    runStackInChild("production", {
      ...withSentry("https://two@o0.ingest.sentry.io/1"),
      lastOutputs: lastOutputsOf(first),
    }),
    // After a credential was replaced by hand, which no digest sees (README: a second up).
    runStackInChild(
      "production",
      { ...withSentry("https://one@o0.ingest.sentry.io/1"), lastOutputs: lastOutputsOf(first) },
      { PLATFORM_ROLL_SECRETS: "1" },
    ),
  ]);
}, 60_000);

describe("write-only settings across deployments", () => {
  it("run without errors", () => {
    for (const run of [first, rotated, unchangedRedeploy, rotatedRedeploy, forcedRedeploy]) {
      expect(run.errors).toEqual([]);
    }
  });

  it("change the digest, and nothing else that a plan shows, when one secret changes", () => {
    const digests = [Object.values(digestsOf(first)), Object.values(digestsOf(rotated))];
    expect(digests[0]?.[0]).not.toBe(digests[1]?.[0]);
    const changes = changedLines(first, rotated);
    // Each app's SECRETS_DIGEST env var and its exported digest; the DSN itself stays masked.
    expect(changes).toHaveLength(4);
    for (const [before, after] of changes) {
      expect(before).toMatch(/sha256:[0-9a-f]{64}/);
      expect(after.replace(/sha256:[0-9a-f]{64}/, "")).toBe(
        before.replace(/sha256:[0-9a-f]{64}/, ""),
      );
    }
  });

  it("are sent by a first deployment, then ignored while nothing changed", () => {
    for (const name of ["app-fra-app", "app-ams-app"]) {
      expect(ignoreChangesOf(first, TYPES.app, name)).toEqual([]);
      const ignored = ignoreChangesOf(unchangedRedeploy, TYPES.app, name);
      expect(ignored.length).toBeGreaterThan(0);
      for (const path of ignored) expect(path).toMatch(/(\.envs\[\d+\]\.value|\.destinations)$/);
    }
  });

  it("send every one of them, so the new secret is deployed, once the digest changed", () => {
    for (const name of ["app-fra-app", "app-ams-app"]) {
      expect(ignoreChangesOf(rotatedRedeploy, TYPES.app, name)).toEqual([]);
    }
  });

  it("send every one of them with PLATFORM_ROLL_SECRETS=1, though the digest is unchanged", () => {
    expect(digestsOf(forcedRedeploy)).toEqual(digestsOf(first));
    for (const name of ["app-fra-app", "app-ams-app"]) {
      expect(ignoreChangesOf(forcedRedeploy, TYPES.app, name)).toEqual([]);
    }
  });
});
