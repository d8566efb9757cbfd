// The status checks a merge into the deployed branch requires, read from the checks workflow
// itself, so a renamed job renames its required check in the same pull request and main's ruleset
// never waits for a check that no longer reports ("Expected — Waiting for status to be reported").
//
// How GitHub names a job's check run (the context a ruleset requires):
// - its `name:`, or else its id (the key under `jobs:`);
// - in a matrix, a name that uses `${{ matrix.<key> }}` is that name with the values put in;
//   otherwise the name (or id) followed by every value of the combination, in the matrix's key
//   order: `test (ubuntu-latest, 20)`. Seen in practice: a3tai/openclaw-go#6 (`name: Test` with a
//   one-value matrix reported `Test (1.25)`), janekbaraniewski/openusage#208 (an explicit
//   `Build (${{ matrix.os }})` drops the other keys).
// A matrix whose `include` is an expression is read only when the caller knows what the expression
// yields: the image jobs' `fromJSON(needs.catalog.outputs.images)` is the service catalog's image
// matrix (tools/ci/image-matrix.ts prints it for the workflow; `CATALOG_MATRICES` gives it here).
// Anything else this cannot evaluate (other expressions, `include`/`exclude` beside lists, a
// reusable workflow call) is refused rather than guessed.
import { readFileSync } from "node:fs";
import { load } from "js-yaml";
import { imageMatrix } from "../stacks/service-catalog.ts";

/** The checks workflow of this repository. */
export const CHECKS_WORKFLOW = new URL("../.github/workflows/checks.yml", import.meta.url);

type Mapping = Record<string, unknown>;

/** What a matrix expression yields, by the expression's text: a list of combinations. */
export type KnownMatrices = Readonly<Record<string, readonly Readonly<Record<string, string>>[]>>;

/** The expressions of checks.yml whose value the repository itself decides. */
export const CATALOG_MATRICES: KnownMatrices = {
  "fromJSON(needs.catalog.outputs.images)": imageMatrix().map((row) => ({ ...row })),
};

function isMapping(value: unknown): value is Mapping {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

const EXPRESSION = /\$\{\{\s*(.*?)\s*\}\}/g;

/** The values of one matrix combination, by key, in the matrix's key order. */
type Combination = [string, string][];

function scalar(value: unknown, where: string): string {
  if (typeof value === "string" || typeof value === "number" || typeof value === "boolean") {
    return String(value);
  }
  throw new Error(`${where}: matrix values must be strings, numbers or booleans`);
}

/** The expression inside `${{ … }}`, when the whole value is one. */
function expressionOf(value: unknown): string | undefined {
  return typeof value === "string" ? /^\$\{\{\s*(.*?)\s*\}\}$/.exec(value)?.[1] : undefined;
}

function combinationsOf(job: string, matrix: unknown, known: KnownMatrices): Combination[] {
  if (!isMapping(matrix)) {
    throw new Error(`job "${job}": a matrix from an expression cannot be read; list its values`);
  }
  const included = expressionOf(matrix.include);
  if (included !== undefined && Object.keys(matrix).length === 1) {
    const rows = known[included];
    if (rows === undefined) {
      throw new Error(
        `job "${job}": matrix include is \${{ ${included} }}, whose value this reader does not know; list its values`,
      );
    }
    return rows.map((row) => Object.entries(row));
  }
  let combinations: Combination[] = [[]];
  for (const [key, values] of Object.entries(matrix)) {
    if (key === "include" || key === "exclude") {
      throw new Error(
        `job "${job}": matrix ${key} is not supported here; give each required check its own job`,
      );
    }
    if (!Array.isArray(values) || values.length === 0) {
      throw new Error(`job "${job}": matrix.${key} must be a non-empty list`);
    }
    const texts = values.map((value) => scalar(value, `job "${job}" matrix.${key}`));
    combinations = combinations.flatMap((combination) =>
      texts.map((text): Combination => [...combination, [key, text]]),
    );
  }
  return combinations;
}

function substitute(job: string, name: string, combination: Combination): string {
  return name.replace(EXPRESSION, (_, expression: string) => {
    const key = /^matrix\.([A-Za-z_][\w-]*)$/.exec(expression)?.[1];
    const value = combination.find(([candidate]) => candidate === key)?.[1];
    if (value === undefined) {
      throw new Error(
        `job "${job}": the name uses \${{ ${expression} }}, which is known only when the job runs`,
      );
    }
    return value;
  });
}

/** The check contexts of one job. */
function contextsOf(job: string, body: Mapping, known: KnownMatrices): string[] {
  if (body.uses !== undefined) {
    throw new Error(
      `job "${job}" calls a reusable workflow; its checks are named "<caller> / <called job>": list them explicitly`,
    );
  }
  const name = typeof body.name === "string" ? body.name : job;
  const strategy = body.strategy;
  if (!isMapping(strategy) || strategy.matrix === undefined) {
    return [substitute(job, name, [])];
  }
  return combinationsOf(job, strategy.matrix, known).map((combination) =>
    name.includes("${{")
      ? substitute(job, name, combination)
      : `${name} (${combination.map(([, value]) => value).join(", ")})`,
  );
}

/**
 * The required status check contexts of a checks workflow: every job's check run name, exactly as
 * GitHub reports it, in the workflow's order.
 */
export function requiredChecksOf(
  workflowYaml: string,
  known: KnownMatrices = CATALOG_MATRICES,
): string[] {
  const workflow = load(workflowYaml);
  const jobs = isMapping(workflow) ? workflow.jobs : undefined;
  if (!isMapping(jobs) || Object.keys(jobs).length === 0) {
    throw new Error("the checks workflow has no jobs");
  }
  const contexts = Object.entries(jobs).flatMap(([job, body]) => {
    if (!isMapping(body)) throw new Error(`job "${job}" is not a mapping`);
    return contextsOf(job, body, known);
  });
  const duplicate = contexts.find((context, index) => contexts.indexOf(context) !== index);
  if (duplicate !== undefined) {
    // Two check runs of one name: a ruleset cannot tell which one it requires.
    throw new Error(`two jobs report the check "${duplicate}"; give each a name of its own`);
  }
  return contexts;
}

/** The required status check contexts of `.github/workflows/checks.yml` (or another file). */
export function requiredChecks(
  file: string | URL = CHECKS_WORKFLOW,
  known: KnownMatrices = CATALOG_MATRICES,
): string[] {
  return requiredChecksOf(readFileSync(file, "utf8"), known);
}
