import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import {
  appSpec,
  appTopology,
  deploymentFingerprint,
  envSpecs,
  secretsDigestOf,
  writeOnlyPaths,
  logDestinations,
  type AppServiceArgs,
  type AppSpecArgs,
} from "../../infra/compute/app-spec.ts";
import { DEFAULT_THRESHOLDS, platformAppArgsProblems } from "../../infra/compute/platform-app.ts";

const api: AppServiceArgs = {
  name: "api",
  repository: "api",
  digest: `sha256:${"b".repeat(64)}`,
  httpPort: 8080,
  routePrefix: "/api",
  healthCheckPath: "/healthz",
  size: "apps-d-1vcpu-1gb",
  scaling: { minInstances: 2, maxInstances: 4, cpuPercent: 70 },
  env: [],
};
const web: AppServiceArgs = { ...api, name: "web", repository: "web", routePrefix: "/" };
const args: AppSpecArgs = {
  appName: "platform-test-fra",
  domains: [],
  region: "fra",
  services: [web, api],
  alerts: { emails: ["oncall@example.com"] },
  logDrains: {},
  thresholds: DEFAULT_THRESHOLDS,
  vpcId: undefined,
  workers: [],
  jobs: [],
  secretsDigest: "sha256:test",
};

/** The plain value of an output, once known. */
function resolved<T>(value: pulumi.Output<T>): Promise<T> {
  return new Promise((resolve) => value.apply(resolve));
}

const specOf = (spec: AppSpecArgs) => resolved(pulumi.output(appSpec(spec)));

describe("App Platform env vars", () => {
  it("mark credentials SECRET and keep their values Pulumi secrets", async () => {
    const [general, secret] = envSpecs([
      { key: "NODE_ENV", value: "production", secret: false },
      {
        key: "DATABASE_URL",
        value: "postgresql://app:pw@db:25061/app",
        secret: true,
        fingerprint: "f1",
      },
    ]);
    expect(general).toMatchObject({ key: "NODE_ENV", type: "GENERAL", scope: "RUN_TIME" });
    expect(secret).toMatchObject({ key: "DATABASE_URL", type: "SECRET", scope: "RUN_TIME" });
    expect(await pulumi.isSecret(pulumi.output(secret?.value))).toBe(true);
    expect(await pulumi.isSecret(pulumi.output(general?.value))).toBe(false);
  });
});

describe("the App Platform spec", () => {
  it("autoscales without instanceCount, and uses instanceCount only for a fixed count", async () => {
    const scaled = await specOf(args);
    expect(scaled.services?.[1]?.autoscaling).toEqual({
      minInstanceCount: 2,
      maxInstanceCount: 4,
      metrics: { cpu: { percent: 70 } },
    });
    expect(scaled.services?.[1]).not.toHaveProperty("instanceCount");
    const fixed = await specOf({ ...args, services: [{ ...web, scaling: { instances: 3 } }] });
    expect(fixed.services?.[0]?.instanceCount).toBe(3);
    expect(fixed.services?.[0]).not.toHaveProperty("autoscaling");
  });

  it("routes the longest prefix first", async () => {
    const spec = await specOf({ ...args, services: [web, api] });
    expect(spec.ingress?.rules?.map((rule) => rule.match?.path?.prefix)).toEqual(["/api", "/"]);
  });

  it("adds a log destination per configured drain, each token a secret", async () => {
    expect(logDestinations({})).toEqual([]);
    const drains = pulumi.output(
      logDestinations({
        logtailToken: "lt",
        papertrailEndpoint: "syslog+tls://logs.example.com:1",
        datadogApiKey: "dd",
      }),
    );
    expect(await resolved(drains)).toEqual([
      { name: "logtail", logtail: { token: "lt" } },
      { name: "papertrail", papertrail: { endpoint: "syslog+tls://logs.example.com:1" } },
      { name: "datadog", datadog: { apiKey: "dd" } },
    ]);
    for (const index of [0, 1, 2]) {
      const drain = drains.apply((all) => JSON.stringify(all[index]));
      expect(await pulumi.isSecret(drain)).toBe(true);
    }
  });

  it("routes Slack alerts to the configured channel with the webhook kept secret", async () => {
    const spec = pulumi.output(
      appSpec({
        ...args,
        alerts: { emails: [], slack: { webhookUrl: "https://hooks.slack.com/x", channel: "#ops" } },
      }),
    );
    const destinations = spec.apply((value) => value.alerts?.[0]?.destinations);
    expect(await resolved(destinations)).toEqual({
      emails: [],
      slackWebhooks: [{ url: "https://hooks.slack.com/x", channel: "#ops" }],
    });
    expect(await pulumi.isSecret(destinations)).toBe(true);
  });
});

describe("PlatformApp arguments", () => {
  const base = {
    appName: "a",
    region: "fra",
    alerts: { emails: ["oncall@example.com"] },
    writeOnly: {
      derivedFrom: "sha256:test",
      deployedDigest: undefined,
      sendAll: false,
      restAsDeployed: false,
    },
  };
  it.each([
    [{ services: [web, api] }, []],
    [{ services: [] }, ["services is empty; an app runs at least one"]],
    [
      { services: [web, { ...api, name: "web", routePrefix: "/" }] },
      [
        "component names repeat: web, web; give each service, worker and job its own",
        "route prefixes repeat: /, /; give each service its own",
      ],
    ],
    [
      { services: [{ ...web, routePrefix: undefined }] },
      ["no service has a routePrefix; an app needs at least one public service"],
    ],
    [
      { services: [{ ...api, size: "apps-s-1vcpu-1gb" }] },
      [
        "service api autoscales on apps-s-1vcpu-1gb; App Platform autoscales dedicated sizes only (apps-d-*)",
      ],
    ],
    [
      { services: [web], alerts: { emails: [] } },
      ["alerts has no destination; give at least one e-mail address"],
    ],
  ])("%#", (change, problems) => {
    expect(platformAppArgsProblems({ ...base, ...change })).toEqual(problems);
  });
});

describe("the write-only settings", () => {
  const secretApi: AppServiceArgs = {
    ...api,
    env: [
      { key: "NODE_ENV", value: "production", secret: false },
      { key: "DATABASE_URL", value: "postgresql://app:pw@db/app", secret: true, fingerprint: "f1" },
    ],
  };
  const layout = { services: [web, secretApi], workers: [], jobs: [] };

  it("are the SECRET env values and every alert's destinations, by exact index", () => {
    expect(writeOnlyPaths(layout)).toEqual([
      "spec.alerts[0].destinations",
      "spec.alerts[1].destinations",
      "spec.services[0].alerts[0].destinations",
      "spec.services[0].alerts[1].destinations",
      "spec.services[0].alerts[2].destinations",
      "spec.services[1].alerts[0].destinations",
      "spec.services[1].alerts[1].destinations",
      "spec.services[1].alerts[2].destinations",
      "spec.services[1].envs[1].value",
    ]);
  });

  it("split into SECRET env values and alert destinations, which are ignored apart", () => {
    expect(writeOnlyPaths(layout, "secret-value")).toEqual(["spec.services[1].envs[1].value"]);
    expect(writeOnlyPaths(layout, "alert-destinations")).toHaveLength(8);
    expect(writeOnlyPaths(layout, "alert-destinations")).toEqual(
      writeOnlyPaths(layout).filter((path) => path.endsWith(".destinations")),
    );
  });

  it("change their digest when a var moves a secret to another index, not only when a value changes", () => {
    const digest = secretsDigestOf("values", layout);
    expect(secretsDigestOf("values", layout)).toBe(digest);
    expect(secretsDigestOf("other values", layout)).not.toBe(digest);
    const inserted = {
      services: [
        web,
        {
          ...secretApi,
          env: [{ key: "LOG_LEVEL", value: "info", secret: false as const }, ...secretApi.env],
        },
      ],
      workers: [],
      jobs: [],
    };
    expect(secretsDigestOf("values", inserted)).not.toBe(digest);
  });

  it("change their digest when a secret's fingerprint changes, and when a secret is added", () => {
    const digest = secretsDigestOf("values", layout);
    const withFingerprint = (fingerprint: string) => ({
      ...layout,
      services: [
        web,
        {
          ...secretApi,
          env: secretApi.env.map((variable) =>
            variable.secret ? { ...variable, fingerprint } : variable,
          ),
        },
      ],
    });
    expect(secretsDigestOf("values", withFingerprint("f1"))).toBe(digest);
    expect(secretsDigestOf("values", withFingerprint("f2"))).not.toBe(digest);
    const added = {
      ...layout,
      workers: [
        {
          name: "processor",
          repository: "processor",
          digest: `sha256:${"c".repeat(64)}`,
          size: "apps-s-1vcpu-1gb",
          scaling: { instances: 1 },
          env: [
            {
              key: "DATABASE_URL",
              value: "postgresql://p:pw@db/app",
              secret: true as const,
              fingerprint: "f3",
            },
          ],
        },
      ],
    };
    expect(secretsDigestOf("values", added)).not.toBe(digest);
    expect(writeOnlyPaths(added, "secret-value")).toEqual([
      "spec.services[1].envs[1].value",
      "spec.workers[0].envs[0].value",
    ]);
  });
});

describe("a worker", () => {
  const processor = {
    name: "processor",
    repository: "processor",
    digest: `sha256:${"c".repeat(64)}`,
    size: "apps-s-1vcpu-1gb",
    scaling: { instances: 2 },
    env: [{ key: "NODE_ENV", value: "production", secret: false as const }],
  };

  it("runs its image by digest with no port, route or health check, and a grace period after SIGTERM", async () => {
    const spec = await specOf({ ...args, workers: [processor] });
    expect(spec.workers).toEqual([
      expect.objectContaining({
        name: "processor",
        image: { registryType: "DOCR", repository: "processor", digest: processor.digest },
        instanceSizeSlug: "apps-s-1vcpu-1gb",
        instanceCount: 2,
        termination: { gracePeriodSeconds: 60 },
      }),
    ]);
    const worker = spec.workers?.[0] ?? {};
    for (const key of [
      "httpPort",
      "internalPorts",
      "healthCheck",
      "routes",
      "livenessHealthCheck",
    ]) {
      expect(worker).not.toHaveProperty(key);
    }
    expect(spec.ingress?.rules?.map((rule) => rule.component?.name)).toEqual(["api", "web"]);
  });

  it("with a liveness endpoint, is checked there with every field set, and still has no route", async () => {
    const live = { ...processor, liveness: { port: 3003, path: "/livez" } };
    const spec = await specOf({ ...args, workers: [live] });
    expect(spec.workers?.[0]?.livenessHealthCheck).toEqual({
      httpPath: "/livez",
      port: 3003,
      initialDelaySeconds: 10,
      periodSeconds: 10,
      timeoutSeconds: 3,
      successThreshold: 1,
      failureThreshold: 3,
    });
    expect(spec.workers?.[0]).not.toHaveProperty("httpPort");
    expect(appTopology({ ...args, workers: [live] }).workers[0]?.livenessCheck).toEqual({
      path: "/livez",
      port: 3003,
      periodSeconds: 10,
      failureThreshold: 3,
    });
    expect(appTopology({ ...args, workers: [processor] }).workers[0]?.livenessCheck).toBeNull();
  });

  it("alerts like a service and is absent from an app without workers", async () => {
    const spec = await specOf({ ...args, workers: [processor] });
    expect(spec.workers?.[0]?.alerts?.map((alert) => alert.rule)).toEqual([
      "CPU_UTILIZATION",
      "MEM_UTILIZATION",
      "RESTART_COUNT",
    ]);
    expect(await specOf(args)).not.toHaveProperty("workers");
  });

  it("autoscales only on a dedicated size, like a service", () => {
    const base = {
      appName: "a",
      region: "fra",
      services: [web],
      alerts: { emails: ["oncall@example.com"] },
      writeOnly: {
        derivedFrom: {},
        deployedDigest: undefined,
        sendAll: false,
        restAsDeployed: false,
      },
    };
    expect(
      platformAppArgsProblems({
        ...base,
        workers: [{ ...processor, scaling: { minInstances: 2, maxInstances: 3, cpuPercent: 70 } }],
      }),
    ).toEqual([
      "service processor autoscales on apps-s-1vcpu-1gb; App Platform autoscales dedicated sizes only (apps-d-*)",
    ]);
    expect(platformAppArgsProblems({ ...base, workers: [{ ...processor, name: "web" }] })).toEqual([
      "component names repeat: web, web; give each service, worker and job its own",
    ]);
  });
});

describe("an internal service", () => {
  it("has no HTTP port and no route, only an internal port its health check uses", async () => {
    const spec = await specOf({ ...args, services: [web, { ...api, routePrefix: undefined }] });
    expect(spec.services?.[1]).toMatchObject({
      httpPort: 0,
      internalPorts: [8080],
      healthCheck: { httpPath: "/healthz", port: 8080 },
    });
    expect(spec.ingress).toEqual({
      rules: [{ component: { name: "web" }, match: { path: { prefix: "/" } } }],
    });
  });

  it("lists custom domains, the first as primary, when an app answers them itself", async () => {
    const spec = await specOf({ ...args, domains: ["a.example.com", "b.example.com"] });
    expect(spec.domainNames).toEqual([
      { name: "a.example.com", type: "PRIMARY", wildcard: false },
      { name: "b.example.com", type: "ALIAS", wildcard: false },
    ]);
  });
});

describe("an app's deployment fingerprint", () => {
  const withSecrets: AppSpecArgs = {
    ...args,
    services: [
      web,
      {
        ...api,
        env: [
          {
            key: "DATABASE_URL",
            value: pulumi.secret("postgresql://app:one@db/app"),
            secret: true,
            fingerprint: "f1",
          },
        ],
      },
    ],
    alerts: {
      emails: ["oncall@example.com"],
      slack: {
        webhookUrl: pulumi.secret("https://hooks.slack.com/services/T/B/one"),
        channel: "#ops",
      },
    },
    logDrains: { logtailToken: pulumi.secret("logtail-token-one") },
  };
  const fingerprintOf = (spec: AppSpecArgs) => resolved(deploymentFingerprint(spec));

  it("is a plain digest, though the spec holds secrets", async () => {
    const fingerprint = deploymentFingerprint(withSecrets);
    expect(await resolved(fingerprint)).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(await pulumi.isSecret(fingerprint)).toBe(false);
  });

  it("changes with a new image, a size or an alert e-mail: whatever redeploys the app", async () => {
    const before = await fingerprintOf(withSecrets);
    const newImage = { ...api, digest: `sha256:${"c".repeat(64)}` };
    for (const changed of [
      {
        ...withSecrets,
        services: [
          web,
          { ...withSecrets.services[1], ...newImage, env: withSecrets.services[1]?.env ?? [] },
        ],
      },
      {
        ...withSecrets,
        services: [{ ...web, size: "apps-d-1vcpu-2gb" }, ...withSecrets.services.slice(1)],
      },
      { ...withSecrets, alerts: { ...withSecrets.alerts, emails: ["someone@example.com"] } },
      { ...withSecrets, secretsDigest: "sha256:other" },
    ]) {
      expect(await fingerprintOf(changed)).not.toBe(before);
    }
  });

  it("does not change with a write-only or secret value, which SECRETS_DIGEST stands for", async () => {
    const before = await fingerprintOf(withSecrets);
    const rotated: AppSpecArgs = {
      ...withSecrets,
      services: [
        web,
        {
          ...api,
          env: [
            {
              key: "DATABASE_URL",
              value: pulumi.secret("postgresql://app:two@db/app"),
              secret: true,
              fingerprint: "f1",
            },
          ],
        },
      ],
      alerts: {
        emails: ["oncall@example.com"],
        slack: {
          webhookUrl: pulumi.secret("https://hooks.slack.com/services/T/B/two"),
          channel: "#ops",
        },
      },
      logDrains: { logtailToken: pulumi.secret("logtail-token-two") },
    };
    expect(await fingerprintOf(rotated)).toBe(before);
  });
});
