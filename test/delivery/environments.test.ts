// The workflows against the GitHub environments the bootstrap creates and the values the stacks
// write into them (their outputs, as `pnpm plan <stack> --json` and `pnpm plan bootstrap --json`
// print them): every environment a job enters exists, every job reads only what its environment
// or the repository holds, and each assumed role trusts the environment of the job that assumes
// it. Renaming a variable in a project or in a workflow fails here.
import { beforeAll, describe, expect, it } from "vitest";
import type { BootstrapOutputs } from "../../bootstrap/outputs.ts";
import { offlineRepositoryIds } from "../../tools/mock/provider-outputs.ts";
import { BOOTSTRAP_STACK } from "../../tools/mock/run-stack.ts";
import type { Manifest } from "../../tools/plan/render.ts";
import { eventsOf } from "../../tools/lint/workflow-rules.ts";
import type { DeliveryOutput } from "../../stacks/outputs.ts";
import { planned } from "../support/plans.ts";
import { environmentsOf, type Job, jobsOfAll, namesRead, readWorkflows } from "./workflow-jobs.ts";

/** An environment as the bootstrap exports it, its ARN and subject resolved. */
type EnvironmentOutput = Omit<BootstrapOutputs["environments"][number], "awsRole"> & {
  awsRole: { arn: string; trusts: string };
};

/** What a job in an environment may read: the bootstrap's values, the stack's, and people's. */
interface Readable {
  environment: EnvironmentOutput;
  variables: string[];
  secrets: string[];
}

/**
 * Secrets people set in every environment of a stack, under the same names: write scopes in
 * `<stack>`, read-only scopes in `<stack>-preview` and `<stack>-drift` (README: Who can do what),
 * the backend's credentials among them, so that none is the repository's.
 */
const HUMAN_SECRETS = [
  "CLOUDFLARE_API_TOKEN",
  "DIGITALOCEAN_TOKEN",
  "PLATFORM_GITHUB_TOKEN",
  "PULUMI_ACCESS_TOKEN",
  "PULUMI_CONFIG_PASSPHRASE",
  // Only with an APM backend (platform:monitoring.apm); unset, the workflows pass empty values.
  "DATADOG_API_KEY",
  "DATADOG_APP_KEY",
  "NEW_RELIC_API_KEY",
];

/**
 * Repository-level: the delivery flow and the attestation switch (the bootstrap writes both);
 * GITHUB_TOKEN is GitHub's own.
 */
const REPOSITORY = { variables: ["DELIVERY_FLOW", "ATTEST_IMAGES"], secrets: ["GITHUB_TOKEN"] };

const STACKS = ["staging", "production"];

const jobs = jobsOfAll(readWorkflows());
const jobsInEnvironments = jobs.filter(({ body }) => environmentsOf(body).length > 0);

/** The bootstrap's output as a manifest prints it: resolved, no Output left. */
let bootstrap: Omit<BootstrapOutputs, "environments"> & { environments: EnvironmentOutput[] };
let bootstrapManifest: Manifest;
let readable: Map<string, Readable>;
/** Each stack's output `platform`, by stack name (which its deploy environment carries too). */
let platformOf: Map<string, unknown>;

function environment(name: string): Readable {
  const found = readable.get(name);
  if (found === undefined) throw new Error(`the bootstrap creates no environment "${name}"`);
  return found;
}

function stepsOf(job: Job): Record<string, unknown>[] {
  return Array.isArray(job.body.steps) ? (job.body.steps as Record<string, unknown>[]) : [];
}

beforeAll(async () => {
  const [production, staging, identity] = await Promise.all([
    planned("production"),
    planned("staging"),
    planned(BOOTSTRAP_STACK),
  ]);
  for (const { run } of [production, staging, identity]) expect(run.errors).toEqual([]);
  const manifests = [staging.manifest, production.manifest];
  bootstrapManifest = identity.manifest;
  bootstrap = bootstrapManifest.outputs.bootstrap as typeof bootstrap;
  platformOf = new Map(manifests.map((manifest) => [manifest.stack, manifest.outputs.platform]));
  const written = new Map(
    manifests.map((manifest) => {
      const delivery = (manifest.outputs.platform as { delivery: DeliveryOutput }).delivery;
      return [delivery.environment, delivery] as const;
    }),
  );
  readable = new Map<string, Readable>(
    bootstrap.environments.map((env): [string, Readable] => {
      const stack = written.get(env.name);
      return [
        env.name,
        {
          environment: env,
          variables: [...env.variables, ...(stack?.variables ?? [])],
          secrets: stack?.secrets ?? [],
        },
      ];
    }),
  );
});

describe("the environments the bootstrap creates", () => {
  it("are three per stack: <stack> deploys, <stack>-preview and <stack>-drift only read", () => {
    expect(bootstrap.environments.map(({ name, kind }) => `${name} ${kind}`)).toEqual(
      STACKS.flatMap((stack) => [
        `${stack} deploy`,
        `${stack}-preview preview`,
        `${stack}-drift drift`,
      ]),
    );
    for (const env of bootstrap.environments) {
      expect([...env.variables].sort()).toEqual([
        "AWS_REGION",
        "AWS_ROLE_ARN",
        // Both example stacks keep their state in S3 (bootstrap stateBucket).
        "PULUMI_BACKEND_URL",
        "PULUMI_STACK",
      ]);
      // Only the deploy environment gets what the stack writes, its secret among it.
      expect(environment(env.name).secrets).toEqual(
        env.kind === "deploy" ? ["ORIGIN_LOCK_SECRET"] : [],
      );
    }
  });

  it("are every environment a workflow job enters, and each of them is entered", () => {
    const entered = new Set(jobsInEnvironments.flatMap(({ body }) => environmentsOf(body)));
    expect([...entered].sort()).toEqual([...readable.keys()].sort());
  });

  it("hold each variable once: the bootstrap's and the stacks' never share a name", () => {
    for (const { variables } of readable.values()) {
      expect(variables).toEqual([...new Set(variables)]);
    }
  });

  it("write the delivery flow and the attestation switch into the repository variables the workflows read", () => {
    const variables = bootstrapManifest.resources
      .filter((resource) => resource.type === "github:index/actionsVariable:ActionsVariable")
      .map((resource) => resource.inputs);
    const value = (name: string) => variables.find((inputs) => inputs.variableName === name)?.value;
    expect(value("DELIVERY_FLOW")).toBe(bootstrap.flow);
    // The offline repository is private, and the config leaves the switch unset: GitHub keeps no
    // attestation of a private repository off Enterprise Cloud, so none is signed.
    expect(value("ATTEST_IMAGES")).toBe("false");
    expect(variables.map((inputs) => inputs.variableName).sort()).toEqual(
      [...REPOSITORY.variables].sort(),
    );
  });
});

describe.each(jobsInEnvironments)("$id", (job) => {
  it("reads only the variables and secrets of its environment or of the repository", () => {
    for (const name of environmentsOf(job.body)) {
      const env = environment(name);
      const variables = [...env.variables, ...REPOSITORY.variables];
      const secrets = [...env.secrets, ...HUMAN_SECRETS, ...REPOSITORY.secrets];
      for (const variable of namesRead(job.body, "vars")) {
        expect(variables, `${name}: vars.${variable}`).toContain(variable);
      }
      for (const secret of namesRead(job.body, "secrets")) {
        expect(secrets, `${name}: secrets.${secret}`).toContain(secret);
      }
    }
  });

  it("assumes, if any, the role its environment holds, which trusts that environment alone", () => {
    const assumes = stepsOf(job).some(
      (step) =>
        typeof step.uses === "string" &&
        step.uses.startsWith("aws-actions/configure-aws-credentials@"),
    );
    const [owner = "", repository = ""] = bootstrap.repository.split("/");
    const ids = offlineRepositoryIds(owner, repository);
    const prefix = `repo:${owner}@${String(ids.ownerId)}/${repository}@${String(ids.repositoryId)}`;
    for (const name of assumes ? environmentsOf(job.body) : []) {
      const env = environment(name);
      expect(env.variables).toContain("AWS_ROLE_ARN");
      expect(env.environment.awsRole.trusts).toBe(`${prefix}:environment:${name}`);
    }
  });
});

/**
 * `fromJSON(steps.<id>.outputs.platform).a.b` and `….apps.*.c` in a step's env, evaluated as
 * GitHub does (`*` maps over a list): the fields a step reads from the `pulumi up` just run.
 */
const OUTPUT_READ = /fromJSON\(steps\.([\w-]+)\.outputs\.platform\)((?:\.[\w*]+)+)/g;

function select(value: unknown, path: string[]): unknown[] {
  const [head, ...rest] = path;
  if (head === undefined) return [value];
  if (head === "*") return Array.isArray(value) ? value.flatMap((item) => select(item, rest)) : [];
  if (typeof value !== "object" || value === null || !(head in value)) return [];
  return select((value as Record<string, unknown>)[head], rest);
}

describe("steps that read the outputs of the run just made", () => {
  // Read by a step's env, or by a job output another job takes (the journeys' host).
  const reads = jobsInEnvironments.flatMap((job) =>
    [
      ...stepsOf(job).map((step) => (step.env ?? {}) as Record<string, unknown>),
      (job.body.outputs ?? {}) as Record<string, unknown>,
    ].flatMap((values) =>
      Object.entries(values).flatMap(([name, value]) =>
        [...String(value).matchAll(OUTPUT_READ)].map(([, stepId = "", path = ""]) => ({
          job,
          name,
          stepId,
          path: path.slice(1).split("."),
        })),
      ),
    ),
  );

  it("exist: the smoke checks read the app's host and every origin, the attestation every image, staging's browser journeys the app's host", () => {
    expect(reads.map(({ job, name, path }) => `${job.id} ${name} ${path.join(".")}`)).toEqual(
      STACKS.flatMap((stack) => [
        `.github/workflows/deploy.yml#${stack} APP_HOST hostnames.app`,
        `.github/workflows/deploy.yml#${stack} ORIGIN_HOSTS apps.*.originHost`,
        `.github/workflows/deploy.yml#${stack} IMAGES images`,
        ...(stack === "staging"
          ? [`.github/workflows/deploy.yml#${stack} app-host hostnames.app`]
          : []),
      ]),
    );
  });

  /** What each field read must be in every stack's outputs, so that the step can use it. */
  const HOSTNAME = /^[a-z0-9.-]+\.[a-z]+$/;
  const expectedShape: Record<string, (value: unknown) => void> = {
    "hostnames.app": (value) => {
      expect(value).toMatch(HOSTNAME);
    },
    "apps.*.originHost": (value) => {
      expect(value).toMatch(HOSTNAME);
    },
    // image-checksums.sh reads each image's repoDigest (test/delivery/scripts.test.ts).
    images: (value) => {
      const images = Object.values(value as Record<string, { repoDigest: unknown }>);
      expect(images.length).toBeGreaterThan(0);
      for (const image of images) {
        expect(image.repoDigest).toMatch(/^[^@]+@sha256:[0-9a-f]{64}$/);
      }
    },
  };

  it("name a pulumi step of their job and fields its stack outputs, in the shape the step reads", () => {
    for (const { job, name, stepId, path } of reads) {
      const source = stepsOf(job).find((step) => step.id === stepId);
      expect(String(source?.uses), `${job.id}: steps.${stepId}`).toMatch(/^pulumi\/actions@/);
      const shape = expectedShape[path.join(".")];
      expect(shape, `${job.id} ${name}: no expected shape for ${path.join(".")}`).toBeDefined();
      for (const stack of environmentsOf(job.body)) {
        const values = select(platformOf.get(stack), path);
        expect(values.length, `${job.id} ${name}: ${path.join(".")} in ${stack}`).toBeGreaterThan(
          0,
        );
        for (const value of values) shape?.(value);
      }
    }
  });
});

describe("what each environment admits matches the jobs that enter it", () => {
  it("admits the refs of the repository's flow, production's only after a reviewer", () => {
    const production = environment("production").environment;
    expect(bootstrap.flow).toBe("trunk");
    expect(environment("staging").environment.deployFrom).toBe("branch:main");
    expect(production.deployFrom).toBe("tag:v*");
    expect(production.reviewers.teams.length).toBeGreaterThan(0);
    expect(environment("production-preview").environment.reviewers.teams.length).toBeGreaterThan(0);
    expect(environment("staging-preview").environment.reviewers).toEqual({ users: [], teams: [] });
  });

  it("lets pull requests into the preview environments only, and the schedule into drift's", () => {
    for (const job of jobsInEnvironments) {
      const events = eventsOf(job.workflow.workflow);
      for (const name of environmentsOf(job.body)) {
        const { kind, deployFrom } = environment(name).environment;
        if (events.includes("pull_request")) {
          expect({ name, kind, deployFrom }).toEqual({
            name,
            kind: "preview",
            deployFrom: "any branch",
          });
        }
        if (events.includes("schedule")) {
          expect({ name, kind, deployFrom }).toEqual({
            name,
            kind: "drift",
            deployFrom: "branch:main",
          });
        }
      }
    }
  });
});

describe("jobs outside environments", () => {
  it("read no variable or secret but the repository's", () => {
    for (const job of jobs.filter(({ body }) => environmentsOf(body).length === 0)) {
      for (const variable of namesRead(job.body, "vars")) {
        expect(REPOSITORY.variables, `${job.id}: vars.${variable}`).toContain(variable);
      }
      for (const secret of namesRead(job.body, "secrets")) {
        expect(REPOSITORY.secrets, `${job.id}: secrets.${secret}`).toContain(secret);
      }
    }
  });
});
