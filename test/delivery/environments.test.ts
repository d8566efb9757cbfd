// The workflows against the GitHub environments the stacks create (their outputs, as
// `pnpm plan <stack> --json` prints them): every environment a job enters exists, every job reads
// only what its environment or the repository holds, and each assumed role trusts the environment
// of the job that assumes it. Renaming a variable in the stack or in a workflow fails here.
import { beforeAll, describe, expect, it } from "vitest";
import { offlineRepositoryIds } from "../../tools/mock/provider-outputs.ts";
import { runStack } from "../../tools/mock/run-stack.ts";
import { type Manifest, manifestOf } from "../../tools/plan/render.ts";
import { eventsOf } from "../../tools/lint/workflow-rules.ts";
import { runStackInChild } from "../support/child-run.ts";
import { environmentsOf, type Job, jobsOfAll, namesRead, readWorkflows } from "./workflow-jobs.ts";

/** What the stack exports about one environment (stacks/outputs.ts, DeliveryEnvironmentOutput). */
interface EnvironmentOutput {
  name: string;
  deployFrom: string;
  reviewers: { users: string[]; teams: string[] };
  variables: string[];
  secrets: string[];
  awsRole: { arn: string; trusts: string };
}

interface DeliveryOutput {
  repository: string;
  environments: EnvironmentOutput[];
}

/**
 * Secrets people set in BOTH environments of a stack, under the same names: write scopes in
 * `<stack>`, read-only scopes in `<stack>-preview` (README: Continuous delivery).
 */
const HUMAN_SECRETS = [
  "CLOUDFLARE_API_TOKEN",
  "DIGITALOCEAN_TOKEN",
  "PLATFORM_GITHUB_TOKEN",
  // Only with an APM backend (platform:monitoring.apm); unset, the workflows pass empty values.
  "DATADOG_API_KEY",
  "DATADOG_APP_KEY",
  "NEW_RELIC_API_KEY",
];

/** Repository-level settings (the backend), readable by every job; GITHUB_TOKEN is GitHub's own. */
const REPOSITORY = {
  variables: ["PULUMI_BACKEND_URL"],
  secrets: ["GITHUB_TOKEN", "PULUMI_ACCESS_TOKEN", "PULUMI_CONFIG_PASSPHRASE"],
};

const STACKS = ["staging", "production"];

const jobs = jobsOfAll(readWorkflows());
const jobsInEnvironments = jobs.filter(({ body }) => environmentsOf(body).length > 0);

let delivery: DeliveryOutput[];
/** Each stack's output `platform`, by stack name (which its deploy environment carries too). */
let platformOf: Map<string, unknown>;

function deliveryOf(manifest: Manifest): DeliveryOutput {
  return (manifest.outputs.platform as { delivery: DeliveryOutput }).delivery;
}

function environment(name: string): EnvironmentOutput {
  const found = delivery.flatMap((stack) => stack.environments).find((env) => env.name === name);
  if (found === undefined) throw new Error(`no stack creates the environment "${name}"`);
  return found;
}

function stepsOf(job: Job): Record<string, unknown>[] {
  return Array.isArray(job.body.steps) ? (job.body.steps as Record<string, unknown>[]) : [];
}

beforeAll(async () => {
  // Pulumi's runtime is per process: production here, staging in a child process.
  const [production, staging] = await Promise.all([
    runStack("production"),
    runStackInChild("staging"),
  ]);
  expect(production.errors).toEqual([]);
  expect(staging.errors).toEqual([]);
  const manifests = [
    JSON.parse(staging.manifest) as Manifest,
    manifestOf("production", production),
  ];
  delivery = manifests.map(deliveryOf);
  platformOf = new Map(manifests.map((manifest) => [manifest.stack, manifest.outputs.platform]));
}, 120_000);

describe("the environments the stacks create", () => {
  it("are two per stack: <stack> for deployments and <stack>-preview, read-only", () => {
    expect(delivery.map((stack) => stack.environments.map(({ name }) => name))).toEqual(
      STACKS.map((stack) => [stack, `${stack}-preview`]),
    );
    for (const stack of delivery) {
      const [deploy, preview] = stack.environments;
      // The same human-set secrets in both; only the deploy environment gets the stack's secret.
      expect(deploy?.secrets).toEqual(["ORIGIN_LOCK_SECRET"]);
      expect(preview?.secrets).toEqual([]);
      expect([...(preview?.variables ?? [])].sort()).toEqual([
        "AWS_REGION",
        "AWS_ROLE_ARN",
        "PULUMI_STACK",
      ]);
      expect(preview?.deployFrom).toBe("any branch (read-only)");
      expect(preview?.reviewers).toEqual({ users: [], teams: [] });
    }
  });

  it("are every environment a workflow job enters, and each of them is entered", () => {
    const entered = new Set(jobsInEnvironments.flatMap(({ body }) => environmentsOf(body)));
    const created = delivery.flatMap((stack) => stack.environments.map(({ name }) => name));
    expect([...entered].sort()).toEqual([...created].sort());
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
    const [owner = "", repository = ""] = (delivery[0]?.repository ?? "").split("/");
    const ids = offlineRepositoryIds(owner, repository);
    const prefix = `repo:${owner}@${String(ids.ownerId)}/${repository}@${String(ids.repositoryId)}`;
    for (const name of assumes ? environmentsOf(job.body) : []) {
      const env = environment(name);
      expect(env.variables).toContain("AWS_ROLE_ARN");
      expect(env.awsRole.trusts).toBe(`${prefix}:environment:${name}`);
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
  const reads = jobsInEnvironments.flatMap((job) =>
    stepsOf(job).flatMap((step) =>
      Object.entries((step.env ?? {}) as Record<string, unknown>).flatMap(([name, value]) =>
        [...String(value).matchAll(OUTPUT_READ)].map(([, stepId = "", path = ""]) => ({
          job,
          name,
          stepId,
          path: path.slice(1).split("."),
        })),
      ),
    ),
  );

  it("exist: the deploy jobs' smoke checks read the app's host and every origin", () => {
    expect(reads.map(({ job, name, path }) => `${job.id} ${name} ${path.join(".")}`)).toEqual(
      STACKS.flatMap((stack) => [
        `.github/workflows/deploy.yml#${stack} APP_HOST hostnames.app`,
        `.github/workflows/deploy.yml#${stack} ORIGIN_HOSTS apps.*.originHost`,
      ]),
    );
  });

  it("name a pulumi step of their job and fields its stack outputs, as non-empty text", () => {
    for (const { job, name, stepId, path } of reads) {
      const source = stepsOf(job).find((step) => step.id === stepId);
      expect(String(source?.uses), `${job.id}: steps.${stepId}`).toMatch(/^pulumi\/actions@/);
      for (const stack of environmentsOf(job.body)) {
        const values = select(platformOf.get(stack), path);
        expect(values.length, `${job.id} ${name}: ${path.join(".")} in ${stack}`).toBeGreaterThan(
          0,
        );
        for (const value of values) expect(value).toMatch(/^[a-z0-9.-]+\.[a-z]+$/);
      }
    }
  });
});

describe("what each environment admits matches the jobs that enter it", () => {
  it("admits each deploy job's ref: pushes to main into staging, release tags into production", () => {
    const deploy = jobs.find(({ id }) => id === ".github/workflows/deploy.yml#staging");
    const on = deploy?.workflow.workflow.on as { push: { branches: string[] } };
    expect(on.push.branches.map((branch) => `branch:${branch}`)).toEqual([
      environment("staging").deployFrom,
    ]);
    expect(environment("production").deployFrom).toBe("tag:v*");
    expect(environment("production").reviewers.teams.length).toBeGreaterThan(0);
  });

  it("lets pull requests' branches and the scheduled check into the preview environments only", () => {
    for (const job of jobsInEnvironments) {
      const events = eventsOf(job.workflow.workflow);
      if (!events.includes("pull_request") && !events.includes("schedule")) continue;
      for (const name of environmentsOf(job.body)) {
        expect(environment(name).deployFrom, `${job.id} enters ${name}`).toBe(
          "any branch (read-only)",
        );
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
