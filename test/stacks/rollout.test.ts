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
  outputs: {
    platform: {
      apps: { name: string; secretsDigest: string; fingerprint: string }[];
      images: Record<string, { digest: string }>;
    };
  };
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
let imageOnlyRedeploy: ChildRun;

beforeAll(async () => {
  [first, rotated] = await Promise.all([
    runStackInChild("production", withSentry("https://one@o0.ingest.sentry.io/1")),
    runStackInChild("production", withSentry("https://two@o0.ingest.sentry.io/1")),
  ]);
  // Both deploy after `first`: one with the same config, one with the rotated DSN.
  [unchangedRedeploy, rotatedRedeploy, forcedRedeploy, imageOnlyRedeploy] = await Promise.all([
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
    // The same config, and sources that build into new images: a release.
    runStackInChild("production", {
      ...withSentry("https://one@o0.ingest.sentry.io/1"),
      lastOutputs: lastOutputsOf(first),
      world: { imageBuild: "next-release" },
    }),
  ]);
}, 60_000);

interface AlertSpec {
  rule: string;
  destinations?: unknown;
}

/**
 * The App spec the provider receives: the program's, where the engine has put back, at each
 * ignored path, what the refreshed state holds there. For alert destinations that is nothing:
 * the provider's read never returns them (`flattenAppAlerts`), and the bridge drops input keys a
 * read does not return (pulumi-terraform-bridge `extractInputs`).
 */
function specReceivedByProvider(run: ChildRun, name: string) {
  const app = manifestOf(run).resources.find(
    (resource) => resource.type === TYPES.app && resource.name === name,
  );
  if (app === undefined) throw new Error(`no app ${name}`);
  const spec = structuredClone(app.inputs.spec) as {
    alerts: AlertSpec[];
    services: { alerts: AlertSpec[] }[];
  };
  for (const path of ignoreChangesOf(run, TYPES.app, name)) {
    const alert = /^spec\.(?:services\[(\d+)\]\.)?alerts\[(\d+)\]\.destinations$/.exec(path);
    if (alert === null) continue;
    const [, service, index] = alert;
    const alerts = service === undefined ? spec.alerts : spec.services[Number(service)]?.alerts;
    const target = alerts?.[Number(index)];
    if (target !== undefined) delete target.destinations;
  }
  return spec;
}

const allAlerts = (spec: ReturnType<typeof specReceivedByProvider>) => [
  ...spec.alerts,
  ...spec.services.flatMap((service) => service.alerts),
];

describe("write-only settings across deployments", () => {
  it("run without errors", () => {
    for (const run of [
      first,
      rotated,
      unchangedRedeploy,
      rotatedRedeploy,
      forcedRedeploy,
      imageOnlyRedeploy,
    ]) {
      expect(run.errors).toEqual([]);
    }
  });

  it("change the digest, and nothing else that a plan shows, when one secret changes", () => {
    const digests = [Object.values(digestsOf(first)), Object.values(digestsOf(rotated))];
    expect(digests[0]?.[0]).not.toBe(digests[1]?.[0]);
    const changes = changedLines(first, rotated);
    // Each app's SECRETS_DIGEST env var, its exported digest, and its exported fingerprint (of a
    // spec that holds SECRETS_DIGEST); the DSN itself stays masked.
    expect(changes).toHaveLength(6);
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

  describe("on an image-only deploy (a release: new images, nothing else changed)", () => {
    const route = { emails: ["oncall@example.com"], slackWebhooks: [] };

    it("builds other images, and keeps the write-only digest", () => {
      const before = manifestOf(first).outputs.platform;
      const after = manifestOf(imageOnlyRedeploy).outputs.platform;
      for (const image of ["web", "api"]) {
        expect(after.images[image]?.digest).not.toBe(before.images[image]?.digest);
      }
      expect(digestsOf(imageOnlyRedeploy)).toEqual(digestsOf(first));
      expect(after.apps.map((app) => app.fingerprint)).not.toEqual(
        before.apps.map((app) => app.fingerprint),
      );
    });

    it("hands the provider every alert's destinations, which it assigns after the update", () => {
      for (const name of ["app-fra-app", "app-ams-app"]) {
        const alerts = allAlerts(specReceivedByProvider(imageOnlyRedeploy, name));
        expect(alerts).toHaveLength(2 + 3 * 2);
        for (const alert of alerts) expect(alert.destinations, alert.rule).toEqual(route);
      }
    });

    it("still keeps the unchanged SECRET env values out of the diff", () => {
      for (const name of ["app-fra-app", "app-ams-app"]) {
        const ignored = ignoreChangesOf(imageOnlyRedeploy, TYPES.app, name);
        expect(ignored.length).toBeGreaterThan(0);
        for (const path of ignored) expect(path).toMatch(/\.envs\[\d+\]\.value$/);
      }
    });

    it("while a run that redeploys nothing hands it none, so it stays a no-op", () => {
      for (const name of ["app-fra-app", "app-ams-app"]) {
        const alerts = allAlerts(specReceivedByProvider(unchangedRedeploy, name));
        for (const alert of alerts) expect(alert.destinations, alert.rule).toBeUndefined();
      }
    });
  });
});
