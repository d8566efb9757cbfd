// Says what this machine lacks before `pnpm plan`, `pnpm dev` or `pnpm test` fails in a way that
// does not: an older Node dies on the first `.ts` file ("Unknown file extension"), and the
// services' tests start only to report "No test files found" without PostgreSQL.
//
//   node --import ./tools/require-node.js ENTRY.ts   # Node version only, costs no second process
//   node tools/require-node.js test                  # everything the whole suite needs
//
// Plain JavaScript that Node 18 and later can parse, with nothing imported from node_modules.
import { accessSync, constants, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const command = process.env.npm_lifecycle_event ?? "plan";
// Only `plan` and `test` have a Quick start command of their own; the other scripts can run on
// the Node and pnpm that either command leaves in .tools/.
const quickstart = ["plan", "test"].includes(command) ? command : undefined;

/** The problem with this Node, or undefined when it satisfies package.json's `engines.node`. */
function nodeProblem() {
  const wanted = JSON.parse(readFileSync(path.join(root, "package.json"), "utf8")).engines.node;
  const lowest = /^>=\s*(\d+)\.(\d+)\.(\d+)/.exec(wanted);
  const below = /<\s*(\d+)\s*$/.exec(wanted);
  const found = process.versions.node.split(".").map(Number);
  const atLeast = lowest === null || compare(found, lowest.slice(1).map(Number)) >= 0;
  const under = below === null || (found[0] ?? 0) < Number(below[1]);
  if (atLeast && under) return undefined;
  const major = lowest?.[1] ?? "24";
  return `Node ${major} is needed (package.json engines: "${wanted}"; this is ${process.version}).`;
}

function compare(a, b) {
  for (let i = 0; i < 3; i++) if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) - (b[i] ?? 0);
  return 0;
}

function executable(file) {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function onPath(name) {
  return (process.env.PATH ?? "")
    .split(path.delimiter)
    .some((dir) => dir !== "" && executable(path.join(dir, name)));
}

/** Everything the whole suite needs beyond Node and the dependencies. */
function suiteProblems() {
  const problems = [];
  if ((process.env.TEST_DATABASE_URL ?? "") === "") {
    problems.push(
      "TEST_DATABASE_URL is not set: the services' tests need a PostgreSQL server to run against.",
    );
  }
  const chromium = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
  if (!executable(chromium)) {
    problems.push(`No Chromium at ${chromium}: the browser tests need one (set CHROMIUM_PATH).`);
  }
  if (!onPath("shellcheck")) {
    problems.push("shellcheck is not on PATH: the tests lint the repository's shell scripts.");
  }
  return problems;
}

const runAsScript =
  process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href;
const suite = runAsScript && process.argv[2] === "test";
const problems = [nodeProblem(), ...(suite ? suiteProblems() : [])].filter(
  (problem) => problem !== undefined,
);

/** The Quick start command that brings what is missing, and what it does. */
function remedy() {
  const brings = "it brings the pinned Node and pnpm into .tools/";
  if (quickstart === "test") {
    return (
      `Run \`./quickstart test\` instead: ${brings}, PostgreSQL, Chromium and shellcheck (apt-get),` +
      " starts a throwaway PostgreSQL server and stops it afterwards."
    );
  }
  if (quickstart === "plan") {
    return `Run \`./quickstart plan\` instead: ${brings} and installs the dependencies.`;
  }
  return (
    `Run \`./quickstart plan\` once: ${brings}, installs the dependencies and plans staging` +
    ` offline; then \`PATH="$PWD/.tools/bin:$PATH" pnpm ${command}\`.`
  );
}

if (problems.length > 0) {
  const lines = [
    `\`pnpm ${command}\` cannot run on this machine yet:`,
    ...problems.map((problem) => `  - ${problem}`),
    "",
    remedy(),
  ];
  if (suite) {
    lines.push(
      "By hand, on Debian: apt-get install postgresql chromium shellcheck, then",
      '  eval "$(services/test-postgres.sh start)" && export TEST_DATABASE_URL',
      "and `pnpm test` again (`services/test-postgres.sh stop` afterwards).",
    );
  } else {
    lines.push("Or install Node 24 (.nvmrc names the exact release) and pnpm 12.");
  }
  process.stderr.write(`${lines.join("\n")}\n`);
  process.exit(1);
}
