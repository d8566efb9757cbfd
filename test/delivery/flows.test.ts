// The two delivery flows, as GitHub would run the workflows: for each event, which deploy and
// preview jobs start (the workflow's triggers, then each job's `if`, evaluated by GitHub's own
// expression library, @actions/expressions), and that every deploy job that starts enters an
// environment whose deployment policy, as the bootstrap derives it for that flow, admits the ref.
import { data, Evaluator, Lexer, Parser } from "@actions/expressions";
import { describe, expect, it } from "vitest";
import { deployRefs, type Flow, validateBootstrapConfig } from "../../bootstrap/config.ts";
import { isMapping, jobsOf, type Mapping } from "../../tools/lint/workflow-rules.ts";
import { environmentsOf, readWorkflows } from "./workflow-jobs.ts";

interface Event {
  name: string;
  /** `refs/heads/<branch>` or `refs/tags/<tag>`. */
  ref: string;
  /** For pull requests: the branch they merge into. */
  base?: string;
  prerelease?: boolean;
}

const workflow = (file: string): Mapping => {
  const found = readWorkflows().find((source) => source.file === `.github/workflows/${file}`);
  if (found === undefined) throw new Error(`no workflow ${file}`);
  return found.workflow;
};

/** Whether the workflow's `on:` starts it for the event (branch filters only). */
function triggers(on: Mapping, event: Event): boolean {
  const filter = on[event.name];
  if (filter === undefined) return false;
  if (!isMapping(filter) || !Array.isArray(filter.branches)) return true;
  const branch = event.name === "pull_request" ? event.base : event.ref.replace("refs/heads/", "");
  return filter.branches.includes(branch);
}

/** A job's `if`, evaluated as GitHub does, with the event's context and the flow variable. */
function condition(body: Mapping, event: Event, flow: Flow): boolean {
  if (typeof body.if !== "string") return true;
  const values = JSON.parse(
    JSON.stringify({
      github: {
        event_name: event.name,
        ref: event.ref,
        ref_type: event.ref.startsWith("refs/tags/") ? "tag" : "branch",
        repository: "acme/platform",
        event: {
          release: { prerelease: event.prerelease ?? false },
          // A pull request from a branch of this repository, by a person.
          pull_request: { head: { repo: { full_name: "acme/platform" } }, user: { login: "dev" } },
        },
      },
      vars: { DELIVERY_FLOW: flow },
    }),
    data.reviver,
  ) as data.Dictionary;
  const text = body.if.replace(/^\s*\$\{\{([\s\S]*)\}\}\s*$/, "$1");
  // `!(!(x))` is x's truthiness as GitHub decides it, a boolean whatever x's type.
  const tokens = new Lexer(`!(!(${text}))`).lex().tokens;
  const parsed = new Parser(tokens, ["github", "vars"], []).parse();
  return new Evaluator(parsed, values).evaluate().coerceString() === "true";
}

/** `<job id> <environment>` of every job of `file` that runs for the event in the flow. */
function jobsRun(file: string, event: Event, flow: Flow): string[] {
  const source = workflow(file);
  if (!isMapping(source.on) || !triggers(source.on, event)) return [];
  const jobs = jobsOf(source);
  // A job runs when its condition holds and every job it needs ran (GitHub's default `success()`).
  const runs = (id: string): boolean => {
    const body = jobs.find(([jobId]) => jobId === id)?.[1];
    if (body === undefined || !condition(body, event, flow)) return false;
    const needs = body.needs === undefined ? [] : [body.needs].flat().map(String);
    return needs.every(runs);
  };
  return jobs
    .filter(([id]) => runs(id))
    .map(([id, body]) => `${id} ${environmentsOf(body).join(",") || "-"}`);
}

const bootstrapConfig = (flow: Flow) => {
  const result = validateBootstrapConfig({
    github: JSON.stringify({ owner: "acme", repository: "platform", flow, releaseTeam: "release" }),
    environments: JSON.stringify({
      staging: {},
      production: { reviewers: { teams: ["leads"] }, previewReviewers: { teams: ["leads"] } },
    }),
  });
  if (!result.ok) throw new Error(JSON.stringify(result.problems));
  return result.config;
};

/** Whether a deployment policy admits the event's ref, as GitHub matches it. */
function admits(ref: { branch: string } | { tagPattern: string }, event: Event): boolean {
  if ("branch" in ref) return event.ref === `refs/heads/${ref.branch}`;
  const pattern = new RegExp(`^refs/tags/${ref.tagPattern.replace(/\*/g, ".*")}$`);
  return pattern.test(event.ref);
}

const push = (branch: string): Event => ({ name: "push", ref: `refs/heads/${branch}` });
const release = (tag: string, prerelease = false): Event => ({
  name: "release",
  ref: `refs/tags/${tag}`,
  prerelease,
});
const dispatch = (tag: string): Event => ({ name: "workflow_dispatch", ref: `refs/tags/${tag}` });
/** "Run workflow" left on its default ref, a branch. */
const dispatchOnBranch = (branch: string): Event => ({
  name: "workflow_dispatch",
  ref: `refs/heads/${branch}`,
});
const pullRequest = (base: string): Event => ({
  name: "pull_request",
  ref: "refs/pull/7/merge",
  base,
});

describe.each<[Flow, [string, Event, string[]][]]>([
  [
    "trunk",
    [
      [
        "a push to main deploys staging, then runs the browser journeys against it",
        push("main"),
        ["staging staging", "journeys -"],
      ],
      ["a push to staging deploys nothing", push("staging"), []],
      ["a release deploys production", release("v1.2.0"), ["production production"]],
      ["a pre-release deploys nothing", release("v1.3.0-rc.1", true), []],
      ["a run by hand on a tag deploys production", dispatch("v1.2.0"), ["production production"]],
      ["a run by hand on a branch deploys nothing", dispatchOnBranch("main"), []],
    ],
  ],
  [
    "branches",
    [
      [
        "a push to staging deploys staging, then runs the browser journeys against it",
        push("staging"),
        ["staging staging", "journeys -"],
      ],
      ["a push to main deploys production", push("main"), ["production production"]],
      ["a release deploys nothing", release("v1.2.0"), []],
      ["a run by hand deploys nothing", dispatch("v1.2.0"), []],
    ],
  ],
])("the %s flow", (flow, cases) => {
  const refs = deployRefs(bootstrapConfig(flow).github);

  it.each(cases)("%s", (_title, event, expected) => {
    const started = jobsRun("deploy.yml", event, flow);
    expect(started).toEqual(expected);
    for (const job of started) {
      const environment = job.split(" ")[1];
      // A job outside every environment (the journeys) holds nothing a policy would guard.
      if (environment === "-") continue;
      const stack = environment as keyof typeof refs;
      expect(admits(refs[stack], event), `${stack} admits ${event.ref}`).toBe(true);
    }
  });

  it("previews pull requests into main and into staging, in both stacks' preview environments", () => {
    for (const base of ["main", "staging"]) {
      expect(jobsRun("preview.yml", pullRequest(base), flow)).toEqual([
        "preview staging-preview,production-preview",
        "cost -",
      ]);
    }
    expect(jobsRun("preview.yml", pullRequest("feature"), flow)).toEqual([]);
  });
});
