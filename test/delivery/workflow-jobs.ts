// The jobs of this repository's workflows as the delivery tests read them: which GitHub
// environments each job enters (a matrix expanded), and which variables and secrets it reads.
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import {
  isMapping,
  jobsOf,
  parseWorkflow,
  type Mapping,
  type WorkflowSource,
} from "../../tools/lint/workflow-rules.ts";

export const root = path.resolve(import.meta.dirname, "../..");
const workflowDir = path.join(root, ".github/workflows");

/** Every workflow of `.github/workflows`, by file name. */
export function readWorkflows(): WorkflowSource[] {
  return readdirSync(workflowDir)
    .filter((name) => /\.ya?ml$/.test(name))
    .sort()
    .map((name) =>
      parseWorkflow(
        `.github/workflows/${name}`,
        readFileSync(path.join(workflowDir, name), "utf8"),
      ),
    );
}

export interface Job {
  /** `.github/workflows/<file>#<job id>`. */
  id: string;
  workflow: WorkflowSource;
  body: Mapping;
}

export function jobsOfAll(workflows: WorkflowSource[]): Job[] {
  return workflows.flatMap((workflow) =>
    jobsOf(workflow.workflow).map(([id, body]) => ({
      id: `${workflow.file}#${id}`,
      workflow,
      body,
    })),
  );
}

const EXPRESSION = /\$\{\{\s*(.*?)\s*\}\}/g;

/**
 * The names of the environments a job enters, one per matrix combination it uses: the
 * `environment` (or `environment.name`) with each `${{ matrix.<key> }}` replaced by every value of
 * that key. Any other expression throws: a name known only when the job runs cannot be checked.
 */
export function environmentsOf(body: Mapping): string[] {
  const environment = isMapping(body.environment) ? body.environment.name : body.environment;
  if (environment === undefined) return [];
  if (typeof environment !== "string") {
    throw new Error(`environment name ${JSON.stringify(environment)} is not a string`);
  }
  const matrix =
    isMapping(body.strategy) && isMapping(body.strategy.matrix) ? body.strategy.matrix : {};
  let names = [environment];
  for (const [, expression = ""] of environment.matchAll(EXPRESSION)) {
    const key = /^matrix\.([A-Za-z_][\w-]*)$/.exec(expression)?.[1];
    const values = key === undefined ? undefined : matrix[key];
    if (!Array.isArray(values) || values.length === 0) {
      throw new Error(`environment "${environment}": \${{ ${expression} }} is not a matrix list`);
    }
    names = names.flatMap((name) =>
      values.map((value) =>
        name.replace(new RegExp(`\\$\\{\\{\\s*matrix\\.${key ?? ""}\\s*\\}\\}`, "g"), () =>
          String(value),
        ),
      ),
    );
  }
  return [...new Set(names)];
}

/** The `vars.X` or `secrets.X` names anything in `value` reads, sorted. */
export function namesRead(value: unknown, context: "vars" | "secrets"): string[] {
  const names = [...JSON.stringify(value).matchAll(new RegExp(`\\b${context}\\.(\\w+)`, "g"))].map(
    ([, name]) => name ?? "",
  );
  return [...new Set(names)].sort();
}
