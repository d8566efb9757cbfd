// .github/grype.yaml: the exceptions to the image scan that fails the checks on high or critical
// findings. An exception is reviewed, so it is narrow and says why: one vulnerability, one package,
// a reason. A rule without them (all unfixed findings, a whole package) would turn the gate off.
import { readFileSync } from "node:fs";
import path from "node:path";
import { load } from "js-yaml";
import { describe, expect, it } from "vitest";
import { isMapping, parseWorkflow, stepsOf } from "../../tools/lint/workflow-rules.ts";

const root = path.join(import.meta.dirname, "../..");
const CONFIG = ".github/grype.yaml";

/** The problems of one ignore rule, empty when it is narrow and explained. */
function ignoreRuleProblems(rule: unknown): string[] {
  if (!isMapping(rule)) return ["is not a mapping"];
  const problems: string[] = [];
  if (typeof rule.vulnerability !== "string" || !/^(CVE|GHSA)-/.test(rule.vulnerability)) {
    problems.push("names no vulnerability (CVE-… or GHSA-…)");
  }
  if (!isMapping(rule.package) || typeof rule.package.name !== "string") {
    problems.push("names no package");
  }
  if (typeof rule.reason !== "string" || rule.reason.trim().length < 20) {
    problems.push("gives no reason");
  }
  return problems;
}

describe(CONFIG, () => {
  const config = load(readFileSync(path.join(root, CONFIG), "utf8"));

  it("holds only narrow, explained exceptions", () => {
    expect(isMapping(config)).toBe(true);
    const rules = isMapping(config) && Array.isArray(config.ignore) ? config.ignore : undefined;
    expect(rules).toBeDefined();
    for (const rule of rules ?? []) expect(ignoreRuleProblems(rule)).toEqual([]);
  });

  it("refuses a blanket rule, and accepts one vulnerability in one package with a reason", () => {
    expect(ignoreRuleProblems({ "fix-state": "not-fixed" })).toEqual([
      "names no vulnerability (CVE-… or GHSA-…)",
      "names no package",
      "gives no reason",
    ]);
    expect(
      ignoreRuleProblems({
        vulnerability: "CVE-2026-12345",
        package: { name: "example", type: "npm" },
        reason: "Reachable only through a parser neither service calls.",
      }),
    ).toEqual([]);
  });

  it("is the configuration each image job's scan reads, failing on high and above", () => {
    const workflow = parseWorkflow(
      "checks.yml",
      readFileSync(path.join(root, ".github/workflows/checks.yml"), "utf8"),
    );
    const scans = stepsOf(workflow.workflow).filter(
      ({ step }) => typeof step.uses === "string" && step.uses.startsWith("anchore/scan-action@"),
    );
    // One job, run for each catalog service (the matrix of checks.yml).
    expect(scans.map(({ job }) => job)).toEqual(["image"]);
    for (const { step } of scans) {
      expect(isMapping(step.with) ? step.with : {}).toMatchObject({
        "fail-build": true,
        "severity-cutoff": "high",
        config: CONFIG,
      });
    }
    const sboms = stepsOf(workflow.workflow).filter(
      ({ step }) => typeof step.uses === "string" && step.uses.startsWith("anchore/sbom-action@"),
    );
    expect(sboms.map(({ job, step }) => [job, isMapping(step.with) && step.with.format])).toEqual([
      ["image", "spdx-json"],
    ]);
  });
});
