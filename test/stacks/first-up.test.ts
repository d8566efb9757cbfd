// What a first `pulumi up` of production needs from the real APIs, and what makes the second one a
// no-op: least-privilege database roles with migrations as a release step, private networking end
// to end, a firewall that exists before any app, write-only settings kept out of the diff, and
// push credentials that cannot expire mid-build.
import { beforeAll, describe, expect, it } from "vitest";
import type { ProgramRun, RecordedResource } from "../../tools/mock/run-program.ts";
import { providerState } from "../../tools/mock/provider-outputs.ts";
import { planned } from "../support/plans.ts";
import { pathSteps, valueAtSteps } from "../../tools/mock/secrets.ts";
import { ignoreChangesOf, runStackInChild, type ChildRun } from "../support/child-run.ts";
import {
  appSpecOf,
  envOf,
  outputsOf,
  resourceNamed,
  resourcesOfType,
  serviceOf,
  TYPES,
  type RecordedEnv,
} from "../support/program.ts";

let run: ProgramRun;
/** The same config deployed again, after `run`: what the deployed apps hold is known. */
let second: ChildRun;

beforeAll(async () => {
  ({ run } = await planned("production"));
  second = await runStackInChild("production", {
    lastOutputs: { platform: (outputsOf(run) as { platform: unknown }).platform },
  });
}, 30_000);

interface RecordedJob {
  name: string;
  kind: string;
  image: { registryType: string; repository: string; digest: string };
  runCommand: string;
  instanceCount: number;
  envs: RecordedEnv[];
}

const apps = () => resourcesOfType(run, TYPES.app);
const jobsOf = (app: RecordedResource) => (app.inputs.spec as { jobs?: RecordedJob[] }).jobs ?? [];
const stateOf = (resource: RecordedResource) =>
  providerState(resource.type, resource.name, resource.inputs, resource.id);

/** Every env var of every component of the app, with where it sits. */
function allEnvs(app: RecordedResource): { component: string; env: RecordedEnv }[] {
  const spec = appSpecOf(app);
  return [
    ...spec.services.flatMap((service) =>
      service.envs.map((env) => ({ component: service.name, env })),
    ),
    ...(spec.workers ?? []).flatMap((worker) =>
      worker.envs.map((env) => ({ component: worker.name, env })),
    ),
    ...jobsOf(app).flatMap((job) => job.envs.map((env) => ({ component: job.name, env }))),
  ];
}

/** The value at a Pulumi property path such as `services[1].envs[3].value`. */
const valueAt = (root: unknown, path: string) => valueAtSteps(root, pathSteps(path));

describe("a first `pulumi up` of production", () => {
  it("runs to completion without errors", () => {
    expect(run.errors).toEqual([]);
  });

  it("migrates in a PRE_DEPLOY job of the api image that alone holds the admin URL", () => {
    const cluster = resourceNamed(run, TYPES.cluster, "database-cluster");
    const admin = stateOf(cluster);
    const apiImage = (outputsOf(run).platform as { images: { api: { digest: string } } }).images.api
      .digest;
    for (const app of apps()) {
      const [job, ...others] = jobsOf(app);
      expect(others).toEqual([]);
      expect(job).toMatchObject({
        name: "migrate",
        kind: "PRE_DEPLOY",
        image: { registryType: "DOCR", repository: "api", digest: apiImage },
        runCommand: "node src/migrate-cli.ts",
        instanceCount: 1,
      });
      const url = new URL(envOf({ envs: job?.envs ?? [] }, "DATABASE_URL")?.value ?? "");
      expect({
        user: url.username,
        host: url.hostname,
        port: url.port,
        database: url.pathname,
      }).toEqual({
        user: admin.user,
        host: admin.privateHost,
        port: "25060",
        database: "/app",
      });
      const jobEnv = Object.fromEntries(job?.envs.map((env) => [env.key, env.type]) ?? []);
      expect(jobEnv).toMatchObject({ DATABASE_URL: "SECRET", DATABASE_ROLES: "GENERAL" });
      // Every service that uses the database, with the access its catalog binding names.
      expect(job?.envs.find((env) => env.key === "DATABASE_ROLES")?.value).toBe(
        "api=readwrite,processor=readwrite",
      );
      // No service sees the administrator.
      for (const { component, env } of allEnvs(app)) {
        if (component === "migrate") continue;
        expect(env.value).not.toContain(String(admin.password));
        expect(env.value).not.toContain("doadmin");
      }
    }
  });

  it("runs the api with migrations on start switched off, as the least-privilege user", () => {
    for (const app of apps()) {
      const api = serviceOf(appSpecOf(app), "api");
      expect(envOf(api, "MIGRATE_ON_START")).toMatchObject({ type: "GENERAL", value: "false" });
      expect(new URL(envOf(api, "DATABASE_URL")?.value ?? "").username).toBe("api");
    }
  });

  it("attaches each app to the VPC of its own datacenter", () => {
    const vpcByRegion: Record<string, string> = Object.fromEntries(
      resourcesOfType(run, TYPES.vpc).map((vpc) => [String(vpc.inputs.region), vpc.id]),
    );
    expect(
      apps().map((app) => ({
        region: appSpecOf(app).region,
        vpcs: (app.inputs.spec as { vpcs?: unknown }).vpcs,
      })),
    ).toEqual([
      { region: "fra", vpcs: [{ id: vpcByRegion.fra1 }] },
      { region: "ams", vpcs: [{ id: vpcByRegion.ams3 }] },
    ]);
  });

  it("peers the two regions' VPCs, so the secondary reaches the primary privately", () => {
    const [peering, ...others] = resourcesOfType(run, TYPES.vpcPeering);
    expect(others).toEqual([]);
    expect(peering?.inputs.vpcIds).toEqual(
      ["network-vpc-fra1", "network-vpc-ams3"].map(
        (name) => resourceNamed(run, TYPES.vpc, name).id,
      ),
    );
  });

  it("puts no public database host in any app's env", () => {
    const publicHosts = [
      ...resourcesOfType(run, TYPES.cluster),
      ...resourcesOfType(run, TYPES.replica),
      ...resourcesOfType(run, TYPES.connectionPool),
    ].map((resource) => String(stateOf(resource).host));
    const urls = apps()
      .flatMap(allEnvs)
      .filter(({ env }) => /^postgres(ql)?:\/\//.test(env.value));
    // Per app: the api's write and read URLs, the processor's write and read URLs, the job's admin URL.
    expect(urls.length).toBe(10);
    for (const { env } of urls) {
      const host = new URL(env.value).hostname;
      expect(host).toMatch(/^private-/);
      expect(publicHosts).not.toContain(host);
    }
  });

  it("closes the database before any app exists: firewall from the cluster and VPCs, apps after it", () => {
    const firewalls = resourcesOfType(run, TYPES.firewall);
    const appUrns = apps().map((app) => app.urn);
    for (const firewall of firewalls) {
      // Nothing of the apps flows into the firewall, so the engine creates it right after the
      // cluster, while the images still build.
      expect(JSON.stringify(firewall.inputs)).not.toMatch(/ondigitalocean\.app/);
      for (const app of apps()) expect(JSON.stringify(firewall.inputs)).not.toContain(app.id);
      expect(firewall.dependsOn.filter((urn) => appUrns.includes(urn))).toEqual([]);
      const rules = firewall.inputs.rules as { type: string; value: string }[];
      // Private ranges of the app regions' VPCs, nothing else.
      for (const rule of rules) expect(rule.value).toMatch(/^10\.\d+\.0\.0\/20$/);
    }
    for (const app of apps()) {
      expect(app.dependsOn).toEqual(
        expect.arrayContaining(firewalls.map((firewall) => firewall.urn)),
      );
    }
  });
});

describe("the secondary region's way to the primary", () => {
  // The secondary app's migration job connects to the primary's private host (the test above):
  // from ams3 that host is reached through the peering, whose create returns once it is active.
  it("deploys no app before its VPC's peering is active", () => {
    const peerings = resourcesOfType(run, TYPES.vpcPeering);
    expect(peerings.map((peering) => peering.name)).toEqual(["network-peering-fra1-ams3"]);
    for (const app of apps()) {
      expect(app.dependsOn).toEqual(expect.arrayContaining(peerings.map((peering) => peering.urn)));
    }
  });
});

describe("a second `pulumi up` with no change", () => {
  it("sends every write-only setting on the first, when nothing is deployed yet", () => {
    for (const app of apps()) expect(app.ignoreChanges).toEqual([]);
  });

  it("then ignores exactly the SECRET env values and the alert destinations of each app", () => {
    expect(second.errors).toEqual([]);
    for (const app of apps()) {
      const ignored = ignoreChangesOf(second, TYPES.app, app.name);
      const secretValues = allEnvs(app).filter(({ env }) => env.type === "SECRET").length;
      const alerts =
        appSpecOf(app).alerts.length +
        [...appSpecOf(app).services, ...(appSpecOf(app).workers ?? [])].reduce(
          (sum, component) => sum + component.alerts.length,
          0,
        );
      expect(ignored).toHaveLength(secretValues + alerts);
      for (const path of ignored) {
        const inSpec = path.replace(/^spec\./, "");
        if (path.endsWith(".destinations")) {
          expect(valueAt(app.inputs.spec, inSpec)).toMatchObject({
            emails: ["oncall@example.com"],
          });
        } else {
          expect(valueAt(app.inputs.spec, inSpec.replace(/\.value$/, ""))).toMatchObject({
            type: "SECRET",
          });
        }
      }
    }
  });

  it("carries a non-secret digest of the write-only settings, which the outputs record", () => {
    const exported = (outputsOf(run).platform as { apps: { secretsDigest: string }[] }).apps;
    apps().forEach((app, index) => {
      const envs = (app.inputs.spec as { envs: RecordedEnv[] }).envs;
      expect(envs).toEqual([
        {
          key: "SECRETS_DIGEST",
          scope: "RUN_TIME",
          type: "GENERAL",
          value: expect.stringMatching(/^sha256:[0-9a-f]{64}$/) as unknown,
        },
      ]);
      expect(exported[index]?.secretsDigest).toBe(envs[0]?.value);
      expect(app.secretInputs).not.toContain("spec.envs[0].value");
    });
  });

  it("shows the ignored paths, the digest and the spec's plain values in the plan's manifest", () => {
    const manifest = JSON.parse(second.manifest) as {
      resources: { type: string; ignoreChanges: string[]; inputs: { spec: unknown } }[];
    };
    const app = manifest.resources.find((resource) => resource.type === TYPES.app);
    expect(app?.ignoreChanges).toContain("spec.services[1].envs[3].value");
    const spec = JSON.stringify(app?.inputs.spec);
    expect(spec).toContain("SECRETS_DIGEST");
    expect(spec).toContain('"instanceSizeSlug":"apps-d-1vcpu-2gb"');
    expect(spec).toContain('"kind":"PRE_DEPLOY"');
    expect(spec).not.toMatch(/postgres(ql)?:\/\//);
  });
});
