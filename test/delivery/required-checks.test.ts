// The required status checks main's ruleset asks for, read from checks.yml.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import {
  CHECKS_WORKFLOW,
  requiredChecks,
  requiredChecksOf,
} from "../../bootstrap/required-checks.ts";
import { GITHUB_ACTIONS_APP_ID } from "../../infra/delivery/branch-ruleset.ts";
import { SERVICE_CATALOG } from "../../stacks/service-catalog.ts";

const jobs = (body: string) => `on: pull_request\njobs:\n${body}`;

describe("requiredChecks", () => {
  it("names every job of checks.yml as GitHub reports it", () => {
    expect(requiredChecks()).toEqual([
      "Format and lint",
      "Type-check",
      "Unit and stack tests",
      "Service tests",
      "Offline plan",
      "Service catalog",
      ...SERVICE_CATALOG.map((service) => `Image ${service.name}`),
    ]);
    expect(requiredChecks()).toEqual(expect.arrayContaining(["Image web", "Image processor"]));
    expect(CHECKS_WORKFLOW.pathname).toMatch(/\/\.github\/workflows\/checks\.yml$/);
  });

  it("reads another file when given one", () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), "checks-")), "checks.yml");
    writeFileSync(file, jobs("  build: { runs-on: ubuntu-24.04 }\n"));
    expect(requiredChecks(file)).toEqual(["build"]);
  });

  it("binds checks to the GitHub Actions app", () => {
    expect(GITHUB_ACTIONS_APP_ID).toBe(15368);
  });
});

describe("requiredChecksOf", () => {
  it("uses a job's name, or its id without one", () => {
    expect(requiredChecksOf(jobs("  lint: { name: Format and lint }\n  test: {}\n"))).toEqual([
      "Format and lint",
      "test",
    ]);
  });

  it("appends a matrix combination's values to a name without a matrix expression", () => {
    expect(
      requiredChecksOf(
        jobs(`
  test:
    name: Test
    strategy: { matrix: { go: ["1.25"] } }
  build:
    strategy: { matrix: { os: [ubuntu-24.04, windows-2025], node: [22, 24] } }
`),
      ),
    ).toEqual([
      "Test (1.25)",
      "build (ubuntu-24.04, 22)",
      "build (ubuntu-24.04, 24)",
      "build (windows-2025, 22)",
      "build (windows-2025, 24)",
    ]);
  });

  it("puts the values into a name that uses matrix expressions, and adds nothing else", () => {
    expect(
      requiredChecksOf(
        jobs(`
  preview:
    name: Preview \${{ matrix.stack }} (\${{matrix.debug}})
    strategy: { matrix: { stack: [staging, production], debug: [false] } }
`),
      ),
    ).toEqual(["Preview staging (false)", "Preview production (false)"]);
  });

  it("expands a matrix whose include is an expression it is told the value of", () => {
    const workflow = jobs(`
  image:
    name: Image \${{ matrix.name }}
    strategy: { matrix: { include: "\${{ fromJSON(needs.catalog.outputs.images) }}" } }
`);
    expect(
      requiredChecksOf(workflow, {
        "fromJSON(needs.catalog.outputs.images)": [{ name: "a", dockerfile: "a/Dockerfile" }],
      }),
    ).toEqual(["Image a"]);
    // By default, the expression is the service catalog's image matrix.
    expect(requiredChecksOf(workflow)).toEqual(
      SERVICE_CATALOG.map((service) => `Image ${service.name}`),
    );
  });

  it.each([
    [
      "a matrix whose include is an expression of unknown value",
      '  a:\n    strategy: { matrix: { include: "${{ fromJSON(needs.x.outputs.y) }}" } }\n',
      'job "a": matrix include is ${{ fromJSON(needs.x.outputs.y) }}, whose value this reader does not know; list its values',
    ],
    [
      "a matrix with include",
      "  a:\n    strategy: { matrix: { os: [x], include: [{ os: y }] } }\n",
      'job "a": matrix include is not supported here; give each required check its own job',
    ],
    [
      "a matrix with exclude",
      "  a:\n    strategy: { matrix: { os: [x, y], exclude: [{ os: y }] } }\n",
      'job "a": matrix exclude is not supported here; give each required check its own job',
    ],
    [
      "a matrix from an expression",
      '  a:\n    strategy: { matrix: "${{ fromJSON(needs.a.outputs.m) }}" }\n',
      'job "a": a matrix from an expression cannot be read; list its values',
    ],
    [
      "an empty matrix list",
      "  a:\n    strategy: { matrix: { os: [] } }\n",
      'job "a": matrix.os must be a non-empty list',
    ],
    [
      "a matrix of objects",
      "  a:\n    strategy: { matrix: { shard: [{ n: 1 }] } }\n",
      'job "a" matrix.shard: matrix values must be strings, numbers or booleans',
    ],
    [
      "a name from another context",
      '  a: { name: "Build ${{ github.ref_name }}" }\n',
      'job "a": the name uses ${{ github.ref_name }}, which is known only when the job runs',
    ],
    [
      "a matrix key the matrix does not have",
      '  a:\n    name: "A ${{ matrix.arch }}"\n    strategy: { matrix: { os: [x] } }\n',
      'job "a": the name uses ${{ matrix.arch }}, which is known only when the job runs',
    ],
    [
      "a reusable workflow call",
      "  a: { uses: ./.github/workflows/called.yml }\n",
      'job "a" calls a reusable workflow; its checks are named "<caller> / <called job>": list them explicitly',
    ],
    [
      "two jobs of one name",
      "  a: { name: Test }\n  b: { name: Test }\n",
      'two jobs report the check "Test"; give each a name of its own',
    ],
    ["a job that is not a mapping", "  a: yes\n", 'job "a" is not a mapping'],
  ])("refuses %s", (_, body, message) => {
    expect(() => requiredChecksOf(jobs(body))).toThrow(message);
  });

  it("refuses a workflow without jobs", () => {
    expect(() => requiredChecksOf("on: push\n")).toThrow("the checks workflow has no jobs");
    expect(() => requiredChecksOf("on: push\njobs: {}\n")).toThrow(
      "the checks workflow has no jobs",
    );
    expect(() => requiredChecksOf("- a list\n")).toThrow("the checks workflow has no jobs");
  });
});
