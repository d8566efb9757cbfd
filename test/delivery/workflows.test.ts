// The GitHub Actions workflows: every hardening rule on every workflow, each rule shown failing on
// a small bad workflow, and the contract of each pipeline (triggers, jobs, commands, credentials).
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { load } from "js-yaml";
import { describe, expect, it } from "vitest";
import { ORIGIN_LOCK_HEADER } from "../../infra/edge/origin-lock.ts";
import { SERVICE_CATALOG } from "../../stacks/service-catalog.ts";
import { imageJobs } from "../../tools/ci/image-start-env.ts";
import {
  checkActionRuntimes,
  checkCheckoutCredentials,
  checkDeployConcurrency,
  checkPolicyPackGate,
  checkNoCacheWithCredentials,
  checkPermissions,
  checkPinnedActions,
  checkPinnedImages,
  checkRunExpressions,
  checkTimeouts,
  checkTriggers,
  checkWorkflow,
  checkWriteScopes,
  eventsOf,
  isMapping,
  jobsOf,
  parseWorkflow,
  stepsOf,
  type Mapping,
  type WorkflowSource,
} from "../../tools/lint/workflow-rules.ts";
import { type EnvironmentKind, SESSION_SECONDS } from "../../bootstrap/identity.ts";
import { environmentsOf, jobsOfAll } from "./workflow-jobs.ts";

const root = path.resolve(import.meta.dirname, "../..");
const workflowDir = path.join(root, ".github/workflows");
const files = readdirSync(workflowDir)
  .filter((name) => /\.ya?ml$/.test(name))
  .sort();
const sources = files.map((name) =>
  parseWorkflow(`.github/workflows/${name}`, readFileSync(path.join(workflowDir, name), "utf8")),
);

function source(name: string): WorkflowSource {
  const found = sources.find(({ file }) => file === `.github/workflows/${name}`);
  if (found === undefined) throw new Error(`no workflow ${name}`);
  return found;
}

function job(workflow: WorkflowSource, id: string): Mapping {
  const found = jobsOf(workflow.workflow).find(([candidate]) => candidate === id)?.[1];
  if (found === undefined) throw new Error(`${workflow.file} has no job ${id}`);
  return found;
}

function stepsOfJob(workflow: WorkflowSource, id: string): Mapping[] {
  return stepsOf(workflow.workflow)
    .filter((step) => step.job === id)
    .map(({ step }) => step);
}

function runs(workflow: WorkflowSource, id: string): string[] {
  return stepsOfJob(workflow, id).flatMap(({ run }) => (typeof run === "string" ? [run] : []));
}

function action(step: Mapping): string | undefined {
  return typeof step.uses === "string" ? step.uses.split("@")[0] : undefined;
}

function withOf(step: Mapping): Mapping {
  return isMapping(step.with) ? step.with : {};
}

function pulumiSteps(workflow: WorkflowSource, id: string): Mapping[] {
  return stepsOfJob(workflow, id).filter((step) => action(step) === "pulumi/actions");
}

/** `secrets.X` names a job's expressions read. */
function secretsOf(value: unknown): string[] {
  const names = JSON.stringify(value).match(/secrets\.[A-Z0-9_]+/g) ?? [];
  return [...new Set(names.map((name) => name.slice("secrets.".length)))].sort();
}

const rootPackage = JSON.parse(readFileSync(path.join(root, "package.json"), "utf8")) as {
  dependencies: Record<string, string>;
  engines: { pnpm: string };
};

/** A workflow from YAML text, for the rules' negative cases. */
function bad(yaml: string): WorkflowSource {
  return parseWorkflow("bad.yml", yaml);
}

const CHECKOUT = "actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1";

/** The backend and provider credentials of a stack's environment, as a step reads them. */
const STACK_CREDENTIALS = {
  PULUMI_BACKEND_URL: "${{ vars.PULUMI_BACKEND_URL }}",
  PULUMI_ACCESS_TOKEN: "${{ secrets.PULUMI_ACCESS_TOKEN }}",
  PULUMI_CONFIG_PASSPHRASE: "${{ secrets.PULUMI_CONFIG_PASSPHRASE }}",
  DIGITALOCEAN_TOKEN: "${{ secrets.DIGITALOCEAN_TOKEN }}",
  CLOUDFLARE_API_TOKEN: "${{ secrets.CLOUDFLARE_API_TOKEN }}",
  GITHUB_TOKEN: "${{ secrets.PLATFORM_GITHUB_TOKEN }}",
};

describe("the workflows", () => {
  it("are the four pipelines", () => {
    expect(files).toEqual(["checks.yml", "deploy.yml", "drift.yml", "preview.yml"]);
  });

  describe.each(sources)("$file", (workflow) => {
    it("pins every action by a full commit SHA with its release in a # vX.Y.Z comment", () => {
      expect(checkPinnedActions(workflow)).toEqual([]);
    });
    it("runs containers and service containers by image digest", () => {
      expect(checkPinnedImages(workflow)).toEqual([]);
    });
    it("grants nothing at the top and lists each job's permissions", () => {
      expect(checkPermissions(workflow)).toEqual([]);
    });
    it("bounds every job with timeout-minutes", () => {
      expect(checkTimeouts(workflow)).toEqual([]);
    });
    it("is never triggered by pull_request_target", () => {
      expect(checkTriggers(workflow)).toEqual([]);
    });
    it("interpolates no expression into a run: script", () => {
      expect(checkRunExpressions(workflow)).toEqual([]);
    });
    it("checks out without persisting credentials", () => {
      expect(checkCheckoutCredentials(workflow)).toEqual([]);
    });
    it("runs every stack change alone and uncancelled", () => {
      expect(checkDeployConcurrency(workflow)).toEqual([]);
    });
    it("grants each write scope only where its purpose is", () => {
      expect(checkWriteScopes(workflow)).toEqual([]);
    });
    it("restores no cache in a job that changes a stack", () => {
      expect(checkNoCacheWithCredentials(workflow)).toEqual([]);
    });
    it("runs the policy pack with every preview and every update", () => {
      expect(checkPolicyPackGate(workflow)).toEqual([]);
    });
    it("runs only actions whose runtime GitHub's runners still provide", () => {
      expect(checkActionRuntimes(workflow)).toEqual([]);
    });
    it("passes every rule at once (what pnpm lint runs)", () => {
      expect(checkWorkflow(workflow)).toEqual([]);
    });
    it("installs the CLI that matches the SDK wherever it runs pulumi", () => {
      for (const [id] of jobsOf(workflow.workflow)) {
        for (const step of pulumiSteps(workflow, id)) {
          expect(withOf(step)["pulumi-version"]).toBe(rootPackage.dependencies["@pulumi/pulumi"]);
        }
      }
    });
    it("installs pnpm at the version the lockfile is written with, and Node from .nvmrc", () => {
      const pnpmVersion = /\d+\.\d+\.\d+/.exec(rootPackage.engines.pnpm)?.[0] ?? "";
      for (const step of stepsOf(workflow.workflow).map(({ step }) => step)) {
        // From the npm registry, as ./quickstart does: no third-party setup action.
        expect(action(step)).not.toBe("pnpm/action-setup");
        const run = typeof step.run === "string" ? step.run : "";
        for (const [installed] of run.matchAll(/npm install --global[^\n]*pnpm@\S+/g)) {
          expect(installed).toMatch(new RegExp(`pnpm@${pnpmVersion.replaceAll(".", "\\.")}$`));
        }
        if (action(step) === "actions/setup-node") {
          expect(String(withOf(step)["node-version-file"])).toMatch(/(^|\/)\.nvmrc$/);
        }
      }
      const steps = stepsOf(workflow.workflow).map(({ step }) => step);
      if (steps.some((step) => typeof step.run === "string" && step.run.includes("pnpm "))) {
        expect(steps.some((step) => String(step.run).includes(`pnpm@${pnpmVersion}`))).toBe(true);
      }
    });
    it("installs dependencies from the frozen lockfile only", () => {
      for (const step of stepsOf(workflow.workflow)) {
        const run = step.step.run;
        if (typeof run === "string" && run.includes("pnpm install")) {
          expect(run).toMatch(/pnpm install --frozen-lockfile/);
        }
      }
    });
  });
});

describe("each rule fails on a bad workflow", () => {
  it("pinned-actions: a tag, a short SHA, a missing or wrong comment, an unpinned image", () => {
    const problems = checkPinnedActions(
      bad(`
permissions: {}
jobs:
  a:
    steps:
      - uses: actions/checkout@v7
      - uses: actions/setup-node@8207627
      - uses: docker/setup-buildx-action@37fe631027851001ddb9b187196cc803df7f5f0e
      - uses: docker/build-push-action@53b7df96c91f9c12dcc8a07bcb9ccacbed38856a # latest
      - uses: docker://alpine:3
      - uses: ./.github/actions/local
      - uses: "pulumi/actions@8e5e406f4007fca908480587cb9893c07090f58d" # v7.0.0
  b:
    uses: owner/repo/.github/workflows/x.yml@main
`),
    );
    expect(problems.map(({ where, message }) => `${where}: ${message}`)).toEqual([
      'job "b": owner/repo/.github/workflows/x.yml@main is not pinned by a full commit SHA: use owner/repo@<40 hex> # vX.Y.Z',
      'job "a" step 1 (actions/checkout): actions/checkout@v7 is not pinned by a full commit SHA: use owner/repo@<40 hex> # vX.Y.Z',
      'job "a" step 2 (actions/setup-node): actions/setup-node@8207627 is not pinned by a full commit SHA: use owner/repo@<40 hex> # vX.Y.Z',
      'job "a" step 3 (docker/setup-buildx-action): docker/setup-buildx-action@37fe631027851001ddb9b187196cc803df7f5f0e has no "# vX.Y.Z" comment naming the release of that commit',
      'job "a" step 4 (docker/build-push-action): docker/build-push-action@53b7df96c91f9c12dcc8a07bcb9ccacbed38856a has no "# vX.Y.Z" comment naming the release of that commit (found "# latest")',
      'job "a" step 5 (docker://alpine:3): docker://alpine:3 is not pinned: use docker://image@sha256:<digest>',
    ]);
    expect(new Set(problems.map(({ rule }) => rule))).toEqual(new Set(["pinned-actions"]));
  });

  it("permissions: none at the top, write-all, a job without a mapping, an unknown level", () => {
    expect(
      checkPermissions(
        bad(`
jobs:
  a:
    permissions: write-all
  b: {}
  c:
    permissions:
      contents: admin
`),
      ).map(({ where, message }) => `${where}: ${message}`),
    ).toEqual([
      "workflow: top-level permissions must be {} (found nothing); grant permissions per job",
      'job "a": job has no permissions mapping (found "write-all"); list what its token needs, e.g. { contents: read }',
      'job "b": job has no permissions mapping (found nothing); list what its token needs, e.g. { contents: read }',
      'job "c": permission contents: "admin" is not read, write or none',
    ]);
    expect(checkPermissions(bad("permissions: { contents: read }\njobs: {}"))[0]?.message).toBe(
      'top-level permissions must be {} (found {"contents":"read"}); grant permissions per job',
    );
  });

  it("timeouts: missing, zero, an expression, a whole day", () => {
    expect(
      checkTimeouts(
        bad(`
jobs:
  a: { runs-on: ubuntu-24.04 }
  b: { timeout-minutes: 0 }
  c: { timeout-minutes: "\${{ inputs.minutes }}" }
  d: { timeout-minutes: 1440 }
  e: { uses: ./.github/workflows/called.yml }
  f: { timeout-minutes: 10 }
`),
      ).map(({ where }) => where),
    ).toEqual(['job "a"', 'job "b"', 'job "c"', 'job "d"']);
    expect(checkTimeouts(bad("jobs:\n  a: {}"))[0]?.message).toBe(
      "timeout-minutes must be a whole number from 1 to 120 (found nothing)",
    );
  });

  it("no-pull-request-target: in each of the three forms of on:", () => {
    for (const on of [
      "pull_request_target",
      "[push, pull_request_target]",
      "{ pull_request_target: { types: [opened] } }",
    ]) {
      expect(checkTriggers(bad(`on: ${on}\njobs: {}`))).toEqual([
        {
          rule: "no-pull-request-target",
          where: "workflow",
          message: "pull_request_target is not allowed: use pull_request (forks get no secrets)",
        },
      ]);
    }
    expect(eventsOf(bad("on: [push, pull_request]").workflow)).toEqual(["push", "pull_request"]);
    expect(eventsOf(bad("name: no trigger").workflow)).toEqual([]);
  });

  it("no-expressions-in-run: a pull request title, a branch name, even a step output", () => {
    const problems = checkRunExpressions(
      bad(`
jobs:
  a:
    steps:
      - name: Greet
        run: echo "\${{ github.event.pull_request.title }}"
      - run: |
          git push origin "\${{github.head_ref}}"
          echo \${{ steps.x.outputs.y }}
      - env:
          TITLE: \${{ github.event.pull_request.title }}
        run: echo "$TITLE"
`),
    );
    expect(problems.map(({ where, message }) => `${where}: ${message}`)).toEqual([
      'job "a" step 1 (Greet): run: interpolates ${{ github.event.pull_request.title }}; pass the value through env: and read "$VAR"',
      'job "a" step 2 (run): run: interpolates ${{github.head_ref}}; pass the value through env: and read "$VAR"',
      'job "a" step 2 (run): run: interpolates ${{ steps.x.outputs.y }}; pass the value through env: and read "$VAR"',
    ]);
  });

  it("checkout-credentials: missing, true, or true as a string", () => {
    const problems = checkCheckoutCredentials(
      bad(`
jobs:
  a:
    steps:
      - uses: ${CHECKOUT}
      - uses: ${CHECKOUT}
        with: { persist-credentials: true }
      - uses: ${CHECKOUT}
        with: { persist-credentials: "true" }
      - uses: ${CHECKOUT}
        with: { persist-credentials: false }
      - uses: ${CHECKOUT}
        with: { persist-credentials: "false" }
`),
    );
    expect(problems.map(({ where }) => where)).toEqual([
      'job "a" step 1 (actions/checkout)',
      'job "a" step 2 (actions/checkout)',
      'job "a" step 3 (actions/checkout)',
    ]);
    expect(problems[0]?.message).toBe(
      "actions/checkout without persist-credentials: false leaves the token in .git/config",
    );
  });

  it("deploy-concurrency: none, a shared group, cancel-in-progress on; previews are exempt", () => {
    const pulumi = (command: string) =>
      `steps:\n      - uses: pulumi/actions@8e5e406f4007fca908480587cb9893c07090f58d\n        with: { command: ${command} }`;
    const problems = checkDeployConcurrency(
      bad(`
jobs:
  none:
    ${pulumi("up")}
  shared:
    concurrency: { group: deploy, cancel-in-progress: false }
    ${pulumi("destroy")}
  cancelling:
    concurrency: { group: deploy-staging, cancel-in-progress: true }
    ${pulumi("refresh")}
  good:
    concurrency: { group: deploy-production, cancel-in-progress: false }
    ${pulumi("up")}
  preview:
    ${pulumi("preview")}
`),
    );
    expect(problems.map(({ where, message }) => `${where}: ${message}`)).toEqual([
      'job "none": a job that changes a stack needs concurrency.group deploy-<stack> (found nothing)',
      'job "none": a job that changes a stack needs concurrency.cancel-in-progress: false',
      'job "shared": a job that changes a stack needs concurrency.group deploy-<stack> (found "deploy")',
      'job "cancelling": a job that changes a stack needs concurrency.cancel-in-progress: false',
    ]);
  });

  it("write-scopes: id-token without an environment (a reusable workflow's caller aside), a PR write without a comment, issues beside an environment, attestations without attesting", () => {
    const pulumi = (comment: boolean) =>
      `steps:\n      - uses: pulumi/actions@8e5e406f4007fca908480587cb9893c07090f58d\n        with: { command: preview, comment-on-pr: ${String(comment)} }`;
    const problems = checkWriteScopes(
      bad(`
jobs:
  oidc-anywhere:
    permissions: { id-token: write }
    ${pulumi(false)}
  silent-preview:
    environment: staging-preview
    permissions: { id-token: write, pull-requests: write }
    ${pulumi(false)}
  reporting-deploy:
    environment: staging
    permissions: { id-token: write, issues: write }
    ${pulumi(false)}
  good-preview:
    environment: staging-preview
    permissions: { id-token: write, pull-requests: write }
    ${pulumi(true)}
  good-report:
    permissions: { issues: write }
    steps: [{ run: "true" }]
  good-script-comment:
    permissions: { pull-requests: write }
    steps: [{ run: head/.github/scripts/cost-comment.sh }]
  script-lookalike:
    permissions: { pull-requests: write }
    steps: [{ run: "echo .github/scripts/cost-comment.sh.bak" }]
  calls-reusable-deploy:
    permissions: { contents: read, id-token: write }
    uses: ./.github/workflows/reusable-deploy.yml
  calls-foreign-deploy:
    permissions: { contents: read, id-token: write }
    uses: someone/else/.github/workflows/deploy.yml@0123456789abcdef0123456789abcdef01234567
  attests-nothing:
    environment: staging
    permissions: { id-token: write, attestations: write }
    ${pulumi(false)}
  attests:
    environment: staging
    permissions: { id-token: write, attestations: write }
    steps: [{ uses: "actions/attest@1e69f48acb82d1966a394da916b4c1698aa569d6" }]
`),
    );
    expect(
      problems.map(({ where, message }) => `${where}: ${message.split(":")[0] ?? ""}`),
    ).toEqual([
      'job "oidc-anywhere": id-token',
      'job "silent-preview": pull-requests',
      'job "reporting-deploy": issues',
      'job "script-lookalike": pull-requests',
      'job "calls-foreign-deploy": id-token',
      'job "attests-nothing": attestations',
    ]);
  });

  it("pinned-images: a job container or a service container by tag only", () => {
    const digest = `sha256:${"0".repeat(64)}`;
    const problems = checkPinnedImages(
      bad(`
jobs:
  test:
    container: node:24-alpine
    services:
      db: { image: "postgres:17" }
      cache: redis:8
      pinned: { image: "postgres:17.11@${digest}" }
  fine:
    container: { image: "node:24-alpine@${digest}" }
`),
    );
    expect(problems.map(({ where }) => where)).toEqual([
      'job "test" container',
      'job "test" service "db"',
      'job "test" service "cache"',
    ]);
    expect(problems[1]?.message).toBe('"postgres:17" is not pinned: use image:tag@sha256:<digest>');
  });

  it("no-cache-with-credentials: actions/cache, a setup action's cache or its default one, a build cache; previews are exempt", () => {
    const up =
      "- uses: pulumi/actions@8e5e406f4007fca908480587cb9893c07090f58d\n        with: { command: up }";
    const problems = checkNoCacheWithCredentials(
      bad(`
jobs:
  deploy:
    steps:
      - uses: actions/cache@0057852bfaa89a56745cba8c7296529d2fc39830
      - uses: actions/setup-node@49933ea5288caeca8642d1e84afbd3f7d6820020
        with: { cache: pnpm }
      - uses: docker/build-push-action@263435318d21b8e681c14492fe198d362a7d2c83
        with: { cache-from: type=gha }
      - uses: actions/setup-node@49933ea5288caeca8642d1e84afbd3f7d6820020
        with: { node-version-file: .nvmrc }
      - uses: actions/setup-go@44694675825211faa026b3c33043df3e48a5fa00
      - uses: ruby/setup-ruby@a4effe49ee8ee5b8b5091268c473a4628afb5651
        with: { bundler-cache: true }
      - uses: actions/setup-node@49933ea5288caeca8642d1e84afbd3f7d6820020
        with: { node-version-file: .nvmrc, package-manager-cache: false }
      - uses: actions/setup-go@44694675825211faa026b3c33043df3e48a5fa00
        with: { cache: false }
      ${up}
  preview:
    steps:
      - uses: actions/cache@0057852bfaa89a56745cba8c7296529d2fc39830
      - uses: pulumi/actions@8e5e406f4007fca908480587cb9893c07090f58d
        with: { command: preview }
`),
    );
    expect(problems.map(({ where }) => where)).toEqual([
      expect.stringMatching(/job "deploy".*step 1/) as unknown,
      expect.stringMatching(/job "deploy".*step 2/) as unknown,
      expect.stringMatching(/job "deploy".*step 3/) as unknown,
      // Caching by default: setup-node (npm projects, v5 on) and setup-go.
      expect.stringMatching(/job "deploy".*step 4/) as unknown,
      expect.stringMatching(/job "deploy".*step 5/) as unknown,
      expect.stringMatching(/job "deploy".*step 6/) as unknown,
    ]);
  });

  it("policy-pack-gate: a preview or an update without the pack, in an action or a script", () => {
    const pulumi = "pulumi/actions@8e5e406f4007fca908480587cb9893c07090f58d";
    const problems = checkPolicyPackGate(
      bad(`
jobs:
  a:
    steps:
      - uses: ${pulumi}
        with: { command: up }
      - uses: ${pulumi}
        with: { command: preview, policyPacks: "" }
      - uses: ${pulumi}
        with: { command: preview, policyPacks: policy }
      - uses: ${pulumi}
        with: { command: destroy }
      - run: |
          pulumi preview --stack staging \\
            --diff
      - run: pulumi up --yes --policy-pack policy
      - run: echo "pulumi preview in a comment would not run"
`),
    );
    expect(problems.map(({ where, message }) => `${where}: ${message}`)).toEqual([
      'job "a" step 1 (pulumi/actions): pulumi/actions up without policyPacks: pass the platform\'s pack (policyPacks: policy)',
      'job "a" step 2 (pulumi/actions): pulumi/actions preview without policyPacks: pass the platform\'s pack (policyPacks: policy)',
      'job "a" step 5 (run): "pulumi preview --stack staging    --diff" runs without --policy-pack policy',
    ]);
  });

  it("action-runtime: an action on node20, and one whose runtime nobody recorded", () => {
    const problems = checkActionRuntimes(
      bad(`
jobs:
  a:
    steps:
      - uses: pnpm/action-setup@fe02b34f77f8bc703788d5817da081398fad5dd2
      - uses: someone/action@0123456789abcdef0123456789abcdef01234567
      - uses: ${CHECKOUT}
      - uses: ./.github/actions/local
`),
    );
    expect(problems.map(({ where, message }) => `${where}: ${message}`)).toEqual([
      'job "a" step 1 (pnpm/action-setup): pnpm/action-setup@fe02b34f77f8bc703788d5817da081398fad5dd2 (v4.0.0) runs on node20, which GitHub\'s runners no longer provide: pin a release that runs on node24',
      'job "a" step 2 (someone/action): someone/action@0123456789abcdef0123456789abcdef01234567: its runtime is not recorded; read runs.using in its action.yml at that commit and add it to tools/lint/action-runtimes.ts',
    ]);
  });

  it("a workflow that is not a mapping is refused with its file name", () => {
    expect(() => parseWorkflow("list.yml", "- a\n- b")).toThrow(
      "list.yml: a workflow must be a YAML mapping",
    );
  });
});

describe("checks.yml", () => {
  const checks = source("checks.yml");

  it("runs on every pull request and every push to main", () => {
    const on = checks.workflow.on as Mapping;
    expect(Object.keys(on).sort()).toEqual(["pull_request", "push"]);
    expect(on.pull_request).toBeNull();
    expect(on.push).toEqual({ branches: ["main"] });
  });

  it("has parallel jobs with stable names, and no matrix but the catalog's images", () => {
    for (const [id, body] of jobsOf(checks.workflow)) {
      // The image jobs wait for the catalog's one-second job; each is named after its service.
      if (id !== "image") {
        expect(body.needs, id).toBeUndefined();
        expect(body.strategy, id).toBeUndefined();
        expect(String(body.name), id).not.toMatch(/\$\{\{/);
      }
      expect(typeof body.name, id).toBe("string");
      // No job of the checks holds a secret: forks run them too.
      expect(secretsOf(body), id).toEqual([]);
      expect(body.permissions, id).toEqual({ contents: "read" });
    }
  });

  it("checks format and lint, types, unit and stack tests, and plans both stacks", () => {
    expect(runs(checks, "lint")).toEqual(
      expect.arrayContaining(["pnpm format:check", "pnpm lint"]),
    );
    expect(runs(checks, "typecheck")).toContain("pnpm typecheck");
    expect(runs(checks, "unit")).toContain("pnpm test:unit");
    expect(runs(checks, "plan")).toEqual(
      expect.arrayContaining(["pnpm plan staging", "pnpm plan production"]),
    );
  });

  it("runs the services' tests against a PostgreSQL service container and a browser", () => {
    const services = job(checks, "services");
    const postgres = (services.services as Mapping).postgres as Mapping;
    expect(postgres.image).toMatch(/^postgres:17/);
    expect(postgres.ports).toEqual(["5432:5432"]);
    const env = services.env as Mapping;
    expect(env.TEST_DATABASE_URL).toBe("postgres://postgres@127.0.0.1:5432/postgres");
    expect(env.CHROMIUM_PATH).toBe("/usr/bin/google-chrome");
    expect(runs(checks, "services")).toContain("pnpm test:services");
  });

  it("builds every catalog service's image, one job each from the catalog's matrix, with BuildKit, the GHA cache and no push, then its SBOM and scan", () => {
    const catalogSteps = stepsOfJob(checks, "catalog");
    expect(catalogSteps.map((step) => action(step) ?? String(step.run))).toEqual([
      "actions/checkout",
      "actions/setup-node",
      'node tools/ci/image-matrix.ts >>"$GITHUB_OUTPUT"',
    ]);
    const image = job(checks, "image");
    expect(image.name).toBe("Image ${{ matrix.name }}");
    expect(image.needs).toBe("catalog");
    expect((image.strategy as Mapping).matrix).toEqual({
      include: "${{ fromJSON(needs.catalog.outputs.images) }}",
    });
    const steps = stepsOfJob(checks, "image");
    expect(steps.map((step) => action(step) ?? String(step.run))).toEqual([
      "actions/checkout",
      "docker/setup-buildx-action",
      "docker/build-push-action",
      '.github/scripts/image-start-check.sh "$IMAGE"',
      "anchore/sbom-action",
      "anchore/scan-action",
    ]);
    // The image the build loaded, started with the env of its matrix row.
    expect(steps[3]?.env).toEqual({
      IMAGE: "platform-${{ matrix.name }}:ci",
      IMAGE_ENV: "${{ toJSON(matrix.env) }}",
    });
    expect(withOf(steps[2] ?? {})).toEqual({
      context: ".",
      file: "${{ matrix.dockerfile }}",
      platforms: "linux/amd64",
      push: false,
      load: true,
      tags: "platform-${{ matrix.name }}:ci",
      "cache-from": "type=gha,scope=image-${{ matrix.name }}",
      "cache-to": "type=gha,scope=image-${{ matrix.name }},mode=max",
    });
    // The SBOM and the scan read the image the build loaded, not one pulled by its name.
    expect(withOf(steps[4] ?? {}).image).toBe("platform-${{ matrix.name }}:ci");
    expect(withOf(steps[5] ?? {}).image).toBe("platform-${{ matrix.name }}:ci");
  });

  it("gets its image matrix from the catalog, as the line the catalog job writes", () => {
    const printed = execFileSync(process.execPath, ["tools/ci/image-matrix.ts"], {
      cwd: path.join(import.meta.dirname, "../.."),
      encoding: "utf8",
    });
    expect(printed).toBe(`images=${JSON.stringify(imageJobs())}\n`);
    expect(imageJobs().map(({ name, dockerfile }) => ({ name, dockerfile }))).toEqual(
      SERVICE_CATALOG.map(({ name, dockerfile }) => ({ name, dockerfile })),
    );
  });
});

describe("preview.yml", () => {
  const preview = source("preview.yml");

  it("runs on pull requests only, into main and into staging (the branches flow)", () => {
    expect(preview.workflow.on).toEqual({ pull_request: { branches: ["main", "staging"] } });
  });

  it("previews both stacks with pulumi, one updated comment per stack, each in its read-only environment", () => {
    const body = job(preview, "preview");
    expect(body.if).toMatch(/head\.repo\.full_name == github\.repository/);
    expect(body.environment).toBe("${{ matrix.stack }}-preview");
    expect((body.strategy as Mapping).matrix).toEqual({ stack: ["staging", "production"] });
    expect(body.permissions).toEqual({
      contents: "read",
      "id-token": "write",
      "pull-requests": "write",
    });
    const steps = stepsOfJob(preview, "preview");
    const [step] = pulumiSteps(preview, "preview");
    expect(withOf(step ?? {})).toMatchObject({
      command: "preview",
      "stack-name": "${{ matrix.stack }}",
      "comment-on-pr": true,
      "edit-pr-comment": true,
      "cloud-url": "${{ vars.PULUMI_BACKEND_URL }}",
      policyPacks: "${{ env.POLICY_PACKS }}",
    });
    expect(body.env).toEqual({ POLICY_PACKS: "policy" });
    // The environment's read-only tokens, under the deploy environment's names.
    expect(step?.env).toMatchObject({
      PULUMI_ACCESS_TOKEN: "${{ secrets.PULUMI_ACCESS_TOKEN }}",
      PULUMI_CONFIG_PASSPHRASE: "${{ secrets.PULUMI_CONFIG_PASSPHRASE }}",
      DIGITALOCEAN_TOKEN: "${{ secrets.DIGITALOCEAN_TOKEN }}",
      CLOUDFLARE_API_TOKEN: "${{ secrets.CLOUDFLARE_API_TOKEN }}",
      GITHUB_TOKEN: "${{ secrets.PLATFORM_GITHUB_TOKEN }}",
    });
    expect(secretsOf(body)).toEqual([
      "CLOUDFLARE_API_TOKEN",
      "DATADOG_API_KEY",
      "DATADOG_APP_KEY",
      "DIGITALOCEAN_TOKEN",
      "NEW_RELIC_API_KEY",
      "PLATFORM_GITHUB_TOKEN",
      "PULUMI_ACCESS_TOKEN",
      "PULUMI_CONFIG_PASSPHRASE",
    ]);
    // Secrets reach the pulumi step only.
    for (const other of steps.filter((candidate) => candidate !== step)) {
      expect(secretsOf(other)).toEqual([]);
    }
    const aws = steps.find(
      (candidate) => action(candidate) === "aws-actions/configure-aws-credentials",
    );
    expect(withOf(aws ?? {})).toEqual({
      "role-to-assume": "${{ vars.AWS_ROLE_ARN }}",
      "aws-region": "${{ vars.AWS_REGION }}",
    });
    // The environment's inputs are checked before anything is installed or assumed.
    const order = steps.map((candidate) => action(candidate) ?? String(candidate.run));
    expect(order.slice(0, 2)).toEqual([
      "actions/checkout",
      ".github/scripts/check-preview-inputs.sh",
    ]);
    expect(steps[1]?.env).toEqual({
      STACK: "${{ matrix.stack }}",
      ENVIRONMENT: "${{ matrix.stack }}-preview",
      PULUMI_STACK: "${{ vars.PULUMI_STACK }}",
      AWS_ROLE_ARN: "${{ vars.AWS_ROLE_ARN }}",
      AWS_REGION: "${{ vars.AWS_REGION }}",
    });
  });

  it("gives forks (no secrets) the offline plan of base and head, compared", () => {
    const body = job(preview, "plan-diff");
    expect(body.if).toMatch(/head\.repo\.full_name != github\.repository/);
    expect(body.permissions).toEqual({ contents: "read" });
    expect(secretsOf(body)).toEqual([]);
    const [compare] = runs(preview, "plan-diff").filter((run) => run.includes("--diff"));
    expect(compare).toContain('pnpm plan "$stack" --json) > "$RUNNER_TEMP/base-$stack.json"');
    expect(compare).toContain(
      'pnpm plan "$stack" --diff "$RUNNER_TEMP/base-$stack.json") >> "$GITHUB_STEP_SUMMARY"',
    );
  });
});

describe("preview.yml's cost job", () => {
  const preview = source("preview.yml");

  it("comments each stack's monthly estimate before and after, from offline plans, without credentials", () => {
    const body = job(preview, "cost");
    expect(body.if).toMatch(/head\.repo\.full_name == github\.repository/);
    expect(body.environment).toBeUndefined();
    expect(body.permissions).toEqual({ contents: "read", "pull-requests": "write" });
    expect(secretsOf(body)).toEqual([]);
    const [estimate] = runs(preview, "cost").filter((run) => run.includes("pnpm cost"));
    expect(estimate).toContain(
      '(cd base && pnpm plan "$stack" --json) > "$RUNNER_TEMP/base-$stack.json"',
    );
    expect(estimate).toContain(
      '(cd head && pnpm cost "$stack" --diff "$RUNNER_TEMP/base-$stack.json") >> "$RUNNER_TEMP/cost.md"',
    );
    // The last step, alone with the token: it posts what the steps before it wrote.
    expect(stepsOfJob(preview, "cost").at(-1)).toEqual({
      name: "Comment on the pull request",
      run: "head/.github/scripts/cost-comment.sh",
      env: {
        GH_TOKEN: "${{ github.token }}",
        GH_REPO: "${{ github.repository }}",
        PR_NUMBER: "${{ github.event.pull_request.number }}",
        BODY_FILE: "${{ runner.temp }}/cost.md",
      },
    });
  });

  it("leaves forks to the plan-diff job, whose pnpm plan --diff carries the same estimates", () => {
    expect(job(preview, "plan-diff").if).toMatch(/head\.repo\.full_name != github\.repository/);
  });
});

describe("deploy.yml", () => {
  const deploy = source("deploy.yml");

  it("starts on pushes to main and staging, on releases and by hand (which jobs run: flows.test.ts)", () => {
    expect(deploy.workflow.on).toEqual({
      push: { branches: ["main", "staging"] },
      release: { types: ["published"] },
      workflow_dispatch: null,
    });
    for (const stack of ["staging", "production"]) {
      expect(String(job(deploy, stack).if)).toContain("vars.DELIVERY_FLOW");
    }
  });

  it("deploys production only once the release commit is found on the default branch", () => {
    const steps = stepsOfJob(deploy, "production");
    expect(withOf(steps[0] ?? {})).toEqual({ "persist-credentials": false, "fetch-depth": 0 });
    expect(steps[1]).toEqual({
      name: "Check the commit is on the default branch",
      env: {
        RELEASE_SHA: "${{ github.sha }}",
        DEFAULT_BRANCH: "${{ github.event.repository.default_branch }}",
      },
      run: ".github/scripts/check-release-commit.sh",
    });
  });

  it("runs the browser journeys after staging's deployment, in a job that holds no credential", () => {
    const body = job(deploy, "journeys");
    expect(body.needs).toBe("staging");
    // No environment, no OIDC token, no secret: the web's test code and its dependencies run here.
    expect(body.environment).toBeUndefined();
    expect(body.permissions).toEqual({ contents: "read" });
    expect(job(deploy, "staging").outputs).toEqual({
      "app-host": "${{ fromJSON(steps.up.outputs.platform).hostnames.app }}",
    });
    const steps = stepsOfJob(deploy, "journeys");
    expect(JSON.stringify(steps)).not.toContain("secrets.");
    const [browser, journeys] = steps.slice(-2);
    // The runner's Chrome, as the checks' service tests use it: nothing downloaded.
    expect(browser?.env).toEqual({ CHROMIUM_PATH: "/usr/bin/google-chrome" });
    expect(String(browser?.run)).toContain('"$CHROMIUM_PATH" --version');
    // The public host the run deployed, through the edge; no condition that could skip it, so a
    // failing journey fails the run.
    expect(journeys).toEqual({
      name: "Browser journeys against staging",
      env: {
        E2E_BASE_URL: "https://${{ needs.staging.outputs.app-host }}",
        CHROMIUM_PATH: "/usr/bin/google-chrome",
      },
      run: "pnpm test:deployed",
    });
    for (const stack of ["staging", "production"]) {
      for (const step of stepsOfJob(deploy, stack)) {
        expect(String(step.run)).not.toContain("test:deployed");
      }
    }
  });

  it.each(["staging", "production"])(
    "runs a preflight, then pulumi up of %s in its environment, one at a time, then a smoke check and the images' provenance",
    (stack) => {
      const body = job(deploy, stack);
      expect((body.environment as Mapping).name).toBe(stack);
      expect(body.concurrency).toEqual({ group: `deploy-${stack}`, "cancel-in-progress": false });
      expect(body.permissions).toEqual({
        contents: "read",
        "id-token": "write",
        attestations: "write",
      });
      const steps = stepsOfJob(deploy, stack);
      const order = steps.map((step) => action(step) ?? String(step.run));
      // A job that holds the environment's write credentials runs only the actions it needs;
      // the stack builds the images through the engine's BuildKit, with no buildx builder.
      expect(steps.map(action).filter((uses) => uses !== undefined)).toEqual([
        "actions/checkout",
        "actions/setup-node",
        "aws-actions/configure-aws-credentials",
        "pulumi/actions",
        "actions/attest",
      ]);
      // Provenance only for what passed the smoke check, and for the digests the run deployed.
      expect(order.slice(-3)).toEqual([
        ".github/scripts/smoke-check.sh",
        ".github/scripts/image-checksums.sh",
        "actions/attest",
      ]);
      const listing = steps.at(-2) ?? {};
      expect(listing.env).toEqual({
        IMAGES: "${{ toJSON(fromJSON(steps.up.outputs.platform).images) }}",
        CHECKSUMS: "${{ runner.temp }}/images.sha256",
      });
      expect(withOf(steps.at(-1) ?? {})).toEqual({
        "subject-checksums": "${{ runner.temp }}/images.sha256",
      });
      // GitHub stores no attestation for a private repository off Enterprise Cloud: such a
      // repository opts in, rather than failing every deployment after its update.
      for (const step of steps.slice(-2)) {
        expect(step.if).toBe("vars.ATTEST_IMAGES == 'true'");
      }
      const [up] = pulumiSteps(deploy, stack);
      // The policy pack gates the update itself.
      expect(withOf(up ?? {})).toMatchObject({
        command: "up",
        "stack-name": "${{ vars.PULUMI_STACK }}",
        policyPacks: "policy",
      });
      expect(up?.env).toMatchObject({
        DIGITALOCEAN_TOKEN: "${{ secrets.DIGITALOCEAN_TOKEN }}",
        CLOUDFLARE_API_TOKEN: "${{ secrets.CLOUDFLARE_API_TOKEN }}",
        GITHUB_TOKEN: "${{ secrets.PLATFORM_GITHUB_TOKEN }}",
      });
      expect(secretsOf(body)).toEqual([
        "CLOUDFLARE_API_TOKEN",
        "DATADOG_API_KEY",
        "DATADOG_APP_KEY",
        "DIGITALOCEAN_TOKEN",
        "NEW_RELIC_API_KEY",
        "ORIGIN_LOCK_SECRET",
        "PLATFORM_GITHUB_TOKEN",
        "PULUMI_ACCESS_TOKEN",
        "PULUMI_CONFIG_PASSPHRASE",
      ]);
      const aws = steps.find((step) => action(step) === "aws-actions/configure-aws-credentials");
      expect(withOf(aws ?? {})).toEqual({
        "role-to-assume": "${{ vars.AWS_ROLE_ARN }}",
        "aws-region": "${{ vars.AWS_REGION }}",
        "role-duration-seconds": 7200,
      });
      // The read-only preflight runs with the environment's credentials after the role is
      // assumed and before `up`, so that a half-ready account stops the job before any change.
      const preflight = steps.find((step) => step.name === "Preflight") ?? {};
      expect(preflight.run).toBe(`pnpm preflight ${stack}`);
      expect(order.indexOf(`pnpm preflight ${stack}`)).toBe(
        order.indexOf("aws-actions/configure-aws-credentials") + 1,
      );
      expect(order.indexOf("pulumi/actions")).toBe(order.indexOf(`pnpm preflight ${stack}`) + 1);
      expect(preflight.env).toEqual({
        ...STACK_CREDENTIALS,
        GITHUB_OWNER: "${{ github.repository_owner }}",
      });
      // Secrets reach the preflight and the pulumi step, and the origin lock's secret the smoke
      // check, nothing else (never the install of dependencies).
      const smoke = steps.find((step) => step.run === ".github/scripts/smoke-check.sh") ?? {};
      expect(secretsOf(smoke)).toEqual(["ORIGIN_LOCK_SECRET"]);
      for (const step of steps.filter(
        (candidate) =>
          action(candidate) !== "pulumi/actions" && candidate !== smoke && candidate !== preflight,
      )) {
        expect(secretsOf(step)).toEqual([]);
      }
    },
  );
});

describe("the smoke check", () => {
  it("sends the origin lock's header by the name the services require", () => {
    const script = readFileSync(path.join(root, ".github/scripts/smoke-check.sh"), "utf8");
    expect(script).toContain(`origin_lock_header=${ORIGIN_LOCK_HEADER}\n`);
  });
});

describe("drift.yml", () => {
  const drift = source("drift.yml");

  it("runs daily and by hand", () => {
    expect(Object.keys(drift.workflow.on as Mapping)).toEqual(["schedule", "workflow_dispatch"]);
  });

  it("checks each stack in its read-only environment with a refreshed preview that never writes the state", () => {
    const detect = job(drift, "detect");
    expect(detect.name).toBe("Detect drift");
    expect(detect.environment).toBe("${{ matrix.stack }}-drift");
    expect(detect.strategy).toEqual({
      "fail-fast": false,
      matrix: { stack: ["staging", "production"] },
    });
    expect(detect.permissions).toEqual({ contents: "read", "id-token": "write" });
    const steps = stepsOfJob(drift, "detect");
    const preview = steps.find((step) => step.id === "preview") ?? {};
    expect(preview.run).toBe('.github/scripts/drift-preview.sh "$STACK"');
    expect(preview.env).toEqual({
      STACK: "${{ matrix.stack }}",
      ...STACK_CREDENTIALS,
      DD_API_KEY: "${{ secrets.DATADOG_API_KEY }}",
      DD_APP_KEY: "${{ secrets.DATADOG_APP_KEY }}",
      NEW_RELIC_API_KEY: "${{ secrets.NEW_RELIC_API_KEY }}",
      GITHUB_OWNER: "${{ github.repository_owner }}",
    });
    // Secrets reach the preview only.
    for (const step of steps.filter((candidate) => candidate !== preview)) {
      expect(secretsOf(step)).toEqual([]);
    }
    const order = steps.map((step) => action(step) ?? String(step.run));
    expect(order.slice(0, 2)).toEqual([
      "actions/checkout",
      ".github/scripts/check-preview-inputs.sh",
    ]);
    const aws = steps.find((step) => action(step) === "aws-actions/configure-aws-credentials");
    expect(withOf(aws ?? {})).toEqual({
      "role-to-assume": "${{ vars.AWS_ROLE_ARN }}",
      "aws-region": "${{ vars.AWS_REGION }}",
    });
    expect(order.indexOf("aws-actions/configure-aws-credentials")).toBeLessThan(
      steps.indexOf(preview),
    );
    const script = readFileSync(path.join(root, ".github/scripts/drift-preview.sh"), "utf8");
    expect(script).toMatch(
      /pulumi preview --stack "\$stack" --refresh --expect-no-changes --policy-pack policy/,
    );
    expect(script).not.toMatch(/pulumi (up|refresh|destroy)\b/);
    // Only the CLI is installed through pulumi/actions here: no command.
    for (const step of pulumiSteps(drift, "detect")) expect(withOf(step).command).toBeUndefined();
    expect(secretsOf(detect)).toEqual([
      "CLOUDFLARE_API_TOKEN",
      "DATADOG_API_KEY",
      "DATADOG_APP_KEY",
      "DIGITALOCEAN_TOKEN",
      "NEW_RELIC_API_KEY",
      "PLATFORM_GITHUB_TOKEN",
      "PULUMI_ACCESS_TOKEN",
      "PULUMI_CONFIG_PASSPHRASE",
    ]);
  });

  it("hands each stack's result to the report as an artifact, only when its check finished", () => {
    const steps = stepsOfJob(drift, "detect");
    const [keep, upload] = steps.slice(-2);
    expect(keep?.if).toBeUndefined();
    expect(keep?.env).toEqual({
      DRIFT: "${{ steps.preview.outputs.drift }}",
      RESULT: "${{ runner.temp }}/drift/${{ matrix.stack }}",
    });
    expect(keep?.run).toContain('printf \'%s\\n\' "$DRIFT" >"$RESULT"');
    expect(action(upload ?? {})).toBe("actions/upload-artifact");
    expect(upload?.if).toBeUndefined();
    expect(withOf(upload ?? {})).toMatchObject({
      name: "drift-${{ matrix.stack }}",
      path: "${{ runner.temp }}/drift/${{ matrix.stack }}",
      "if-no-files-found": "error",
    });
    const report = stepsOfJob(drift, "report");
    const download = report.find((step) => action(step) === "actions/download-artifact");
    expect(withOf(download ?? {})).toEqual({
      pattern: "drift-*",
      path: "${{ runner.temp }}/drift",
      "merge-multiple": true,
    });
  });

  it("writes issues from one job only, which enters no environment and holds no cloud credential", () => {
    const writers = jobsOf(drift.workflow).filter(
      ([, body]) => (body.permissions as Mapping).issues === "write",
    );
    expect(writers.map(([id]) => id)).toEqual(["report"]);
    const report = job(drift, "report");
    expect(report.needs).toBe("detect");
    expect(report.if).toBe("${{ !cancelled() }}");
    expect(report.environment).toBeUndefined();
    expect(report.permissions).toEqual({ contents: "read", issues: "write" });
    expect(secretsOf(report)).toEqual([]);
    const [run] = runs(drift, "report");
    expect(runs(drift, "report")).toHaveLength(1);
    // A stack without a result file (its check failed) reaches the script as an empty result.
    expect(run).toContain('DRIFT_STAGING="$(cat "$RESULTS/staging" 2>/dev/null || true)"');
    expect(run).toContain('DRIFT_PRODUCTION="$(cat "$RESULTS/production" 2>/dev/null || true)"');
    expect(run?.trim().endsWith(".github/scripts/drift-issue.sh")).toBe(true);
    const script = readFileSync(path.join(root, ".github/scripts/drift-issue.sh"), "utf8");
    for (const command of ["gh issue list", "gh issue create", "gh issue comment"]) {
      expect(script).toContain(command);
    }
  });
});

describe("every workflow", () => {
  const jobs = jobsOfAll(sources);

  it("sends deploy jobs into <stack>, previews into <stack>-preview and drift checks into <stack>-drift", () => {
    const entered = Object.fromEntries(
      jobs
        .filter(({ body }) => body.environment !== undefined)
        .map(({ id, body }) => [id, environmentsOf(body)]),
    );
    expect(entered).toEqual({
      ".github/workflows/deploy.yml#staging": ["staging"],
      ".github/workflows/deploy.yml#production": ["production"],
      ".github/workflows/drift.yml#detect": ["staging-drift", "production-drift"],
      ".github/workflows/preview.yml#preview": ["staging-preview", "production-preview"],
    });
  });

  it("declares an environment in every job that can ask for an OIDC token, and only there assumes a role", () => {
    for (const { id, body, workflow } of jobs) {
      const steps = stepsOf(workflow.workflow)
        .filter((step) => `${workflow.file}#${step.job}` === id)
        .map(({ step }) => step);
      const assumes = steps.some(
        (step) => action(step) === "aws-actions/configure-aws-credentials",
      );
      const oidc = (body.permissions as Mapping | undefined)?.["id-token"] === "write";
      expect(oidc, id).toBe(assumes);
      if (oidc) expect(environmentsOf(body).length, id).toBeGreaterThan(0);
      // The role is always the environment's own: its trust names that environment alone.
      for (const step of steps.filter(
        (candidate) => action(candidate) === "aws-actions/configure-aws-credentials",
      )) {
        expect(withOf(step)["role-to-assume"], id).toBe("${{ vars.AWS_ROLE_ARN }}");
      }
    }
  });

  it("holds each role's credentials as long as its job may run, and no longer than the role allows", () => {
    for (const { id, body, workflow } of jobs) {
      const assumed = stepsOf(workflow.workflow)
        .filter((step) => `${workflow.file}#${step.job}` === id)
        .map(({ step }) => step)
        .filter((step) => action(step) === "aws-actions/configure-aws-credentials");
      if (assumed.length === 0) continue;
      const [environment = ""] = environmentsOf(body);
      const kind = (/-(preview|drift)$/.exec(environment)?.[1] ?? "deploy") as EnvironmentKind;
      const jobSeconds = Number(body["timeout-minutes"]) * 60;
      for (const step of assumed) {
        // configure-aws-credentials asks for one hour unless told (its action.yml).
        const seconds = Number(withOf(step)["role-duration-seconds"] ?? 3600);
        expect(seconds, id).toBeGreaterThanOrEqual(jobSeconds);
        expect(seconds, id).toBeLessThanOrEqual(SESSION_SECONDS[kind]);
      }
    }
    expect(SESSION_SECONDS.deploy).toBe(7200);
  });

  it("reads no repository-level preview role or preview token of the old contract", () => {
    for (const workflow of sources) {
      expect(workflow.text, workflow.file).not.toMatch(/AWS_PREVIEW_ROLE_ARN|secrets\.PREVIEW_/);
    }
  });

  it("names every variable and secret it reads (no secrets[...], vars[...] or toJSON(secrets))", () => {
    for (const workflow of sources) {
      expect(workflow.text, workflow.file).not.toMatch(
        /\b(secrets|vars)\s*\[|toJSON\(\s*(secrets|vars)\s*\)/,
      );
    }
  });
});

describe("dependabot.yml", () => {
  it("updates the pinned actions, the workspace's npm dependencies and each Dockerfile's base image", () => {
    const config = load(readFileSync(path.join(root, ".github/dependabot.yml"), "utf8")) as {
      version: number;
      updates: {
        "package-ecosystem": string;
        directory?: string;
        directories?: string[];
        schedule: { interval: string };
        cooldown?: { "default-days"?: number };
      }[];
    };
    expect(config.version).toBe(2);
    const byEcosystem = Object.fromEntries(
      config.updates.map((update) => [
        update["package-ecosystem"],
        update.directories ?? [update.directory],
      ]),
    );
    expect(byEcosystem).toEqual({
      "github-actions": ["/"],
      npm: ["/"],
      // Every service's folder: the glob covers each Dockerfile the catalog builds.
      docker: ["/services/*"],
    });
    for (const service of SERVICE_CATALOG) {
      expect(service.dockerfile).toBe(`${service.folder}/Dockerfile`);
      expect(service.folder).toMatch(/^services\/[a-z0-9-]+$/);
      expect(existsSync(path.join(root, service.dockerfile))).toBe(true);
    }
    // Weekly, and only releases at least a week old: a hijacked release is usually pulled sooner.
    for (const update of config.updates) {
      expect(update.schedule.interval).toBe("weekly");
      expect(update.cooldown?.["default-days"]).toBeGreaterThanOrEqual(7);
    }
  });
});
