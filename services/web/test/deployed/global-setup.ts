// `pnpm test:deployed` checks where it goes before a browser starts: E2E_BASE_URL must name
// staging (deployed/target.ts), and a Chromium must be installed. A problem ends the run here with
// what to set, before vitest adds a misleading "No test files found" to a thrown error.
import type { TestProject } from "vitest/node";
import { chromiumProblem } from "../support/chromium.ts";
import { deployedTarget, stackAppHosts } from "./target.ts";

declare module "vitest" {
  interface ProvidedContext {
    /** The origin the deployed suite visits, validated. */
    e2eBaseUrl: string;
  }
}

export default async function setup(project: TestProject): Promise<void> {
  const target = deployedTarget(process.env, await stackAppHosts());
  const problems = [
    ...(target.ok ? [] : [target.problem]),
    ...[chromiumProblem()].filter((problem) => problem !== undefined),
  ];
  if (!target.ok || problems.length > 0) {
    process.stderr.write(`pnpm test:deployed: ${problems.join("\n")}\n`);
    process.exit(1);
  }
  process.stdout.write(`Browser journeys against ${target.url.origin}\n`);
  project.provide("e2eBaseUrl", target.url.origin);
}
