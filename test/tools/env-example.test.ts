// `.env.example` lists exactly the variables something in this repository reads from a user or
// from CI, and says where each is read: every variable CI hands to the program, the preflight and
// the deployed browser suite, and every one the code reads by name, is listed (or set aside below
// with the reason); every listed one is read; each entry names readers that exist.
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { portVariable } from "../../services/local.ts";
import { SERVICE_CATALOG } from "../../stacks/service-catalog.ts";
import { stepsOf } from "../../tools/lint/workflow-rules.ts";
import { readWorkflows, root } from "../delivery/workflow-jobs.ts";

const example = readFileSync(path.join(root, ".env.example"), "utf8");

/** Read by name somewhere, but not for a user or CI to set: each with why. */
const NOT_FOR_USERS: Record<string, string> = {
  PATH: "the system's",
  HOME: "the system's",
  TMPDIR: "the system's",
  PULUMI_HOME: "the Pulumi CLI's own folder, where the preflight finds `pulumi login`",
  PULUMI_CONFIG_PASSPHRASE_FILE: "the alternative to PULUMI_CONFIG_PASSPHRASE, named beside it",
  DIGITALOCEAN_ACCESS_TOKEN: "the provider's second name for DIGITALOCEAN_TOKEN",
  DIGITALOCEAN_API_URL: "the API's address, moved only by tests that answer as the API",
  CLOUDFLARE_BASE_URL: "the API's address, moved only by tests that answer as the API",
  GITHUB_BASE_URL: "the API's address, moved only by tests that answer as the API",
  AWS_ENDPOINT_URL: "the API's address, moved only by tests that answer as the API",
  BENCH_PEAK_MEMORY_FILE: "set by the benchmark for the runs it starts",
  SHELLCHECK: "the linter's path, for a shellcheck that is not on PATH",
  PULUMI_DEBUG_PROMISE_LEAKS:
    "the Pulumi SDK's own debugging switch; offline runs keep its stack traces when it is set",
};

/** `NAME` of every `NAME=` line, commented out or not. */
function listed(): string[] {
  return [...example.matchAll(/^(?:# )?([A-Z][A-Z0-9_]*)=/gm)].map(([, name = ""]) => name);
}

/** The source files that read the environment on a user's or CI's behalf (no tests). */
function readers(): string[] {
  const files = execFileSync(
    "git",
    [
      "ls-files",
      "--cached",
      "--others",
      "--exclude-standard",
      "stacks",
      "tools",
      "bootstrap",
      "services/dev.ts",
      "services/local.ts",
      "services/drill",
      "services/test-postgres.sh",
      "services/web/test/support",
      "services/web/test/deployed",
      "quickstart",
    ],
    { cwd: root, encoding: "utf8" },
  );
  return files.split("\n").filter((file) => file !== "" && !file.endsWith(".test.ts"));
}

const READS = [
  /process\.env\.([A-Z][A-Z0-9_]*)/g,
  /\benv\.([A-Z][A-Z0-9_]*)/g,
  /\$\{([A-Z][A-Z0-9_]*):-/g,
];

/** Names the code reads: `process.env.X`, `env.X`, `${X:-…}`, and the preflight's `firstSet` lists. */
function readByCode(): Map<string, string> {
  const found = new Map<string, string>();
  for (const file of readers()) {
    const text = readFileSync(path.join(root, file), "utf8");
    const names = [
      ...READS.flatMap((pattern) => [...text.matchAll(pattern)].map(([, name = ""]) => name)),
      ...[...text.matchAll(/firstSet\(env, \[([^\]]*)\]/g)].flatMap(([, list = ""]) =>
        [...list.matchAll(/["`]([A-Z][A-Z0-9_]*)["`]/g)].map(([, name = ""]) => name),
      ),
    ];
    for (const name of names) if (!found.has(name)) found.set(name, file);
  }
  // services/local.ts builds `<NAME>_PORT` from the catalog.
  for (const service of SERVICE_CATALOG) {
    if (service.port !== undefined) found.set(portVariable(service), "services/local.ts");
  }
  return found;
}

/** What CI hands to the steps that run the program, the preflight or the deployed suite. */
function setByCi(): Map<string, string> {
  const found = new Map<string, string>();
  for (const workflow of readWorkflows()) {
    for (const step of stepsOf(workflow.workflow)) {
      const uses = typeof step.step.uses === "string" ? step.step.uses : "";
      const run = typeof step.step.run === "string" ? step.step.run : "";
      if (!uses.startsWith("pulumi/actions@") && !/pnpm (preflight|test:deployed)/.test(run))
        continue;
      const env = (step.step.env ?? {}) as Record<string, unknown>;
      for (const name of Object.keys(env)) found.set(name, `${workflow.file} (${step.job})`);
    }
  }
  return found;
}

describe(".env.example", () => {
  const names = listed();
  const code = readByCode();
  const ci = setByCi();

  it("lists each variable once", () => {
    expect(names.filter((name, index) => names.indexOf(name) !== index)).toEqual([]);
  });

  it("lists every variable CI hands to the program, the preflight and the deployed suite", () => {
    expect([...ci.keys()].filter((name) => !names.includes(name)).sort()).toEqual([]);
    // The CI secret that reaches the GitHub provider under the name it reads.
    expect(ci.has("GITHUB_TOKEN")).toBe(true);
    expect(names).not.toContain("PLATFORM_GITHUB_TOKEN");
  });

  it("lists every variable the code reads by name, but the ones set aside with a reason", () => {
    const documentedAsPattern = (name: string) =>
      name.endsWith("_PORT") &&
      example.includes("<NAME>_PORT") &&
      code.get(name) === "services/local.ts";
    const missing = [...code.entries()]
      .filter(([name]) => !names.includes(name) && !(name in NOT_FOR_USERS))
      .filter(([name]) => !documentedAsPattern(name))
      .map(([name, file]) => `${name} (read in ${file})`);
    expect(missing).toEqual([]);
    // The set-aside ones are read, each of them: the list holds nothing stale.
    expect(Object.keys(NOT_FOR_USERS).filter((name) => !code.has(name))).toEqual([]);
  });

  it("lists nothing that nothing reads", () => {
    expect(names.filter((name) => !code.has(name) && !ci.has(name))).toEqual([]);
  });

  it("says where each is read, naming files that exist", () => {
    const blocks = example.split(/\n\s*\n/);
    for (const block of blocks) {
      const variables = [...block.matchAll(/^(?:# )?([A-Z][A-Z0-9_]*)=/gm)].map(([, name]) => name);
      if (variables.length === 0) continue;
      expect({ variables, says: /^# Read by: /m.test(block) }).toEqual({ variables, says: true });
      const readBy = /^# Read by: ([\s\S]*?)(?:\. CI:|\.\n|\.$)/m.exec(block)?.[1] ?? "";
      const files = [...readBy.matchAll(/(?:^|[\s;])([a-z][\w.-]*\/[\w./-]+\.(?:ts|js|sh))/g)].map(
        ([, file = ""]) => file,
      );
      for (const file of files)
        expect({ file, exists: existsSync(path.join(root, file)) }).toEqual({ file, exists: true });
    }
  });
});
