// `pnpm test` says what the machine lacks before it starts, and `pnpm plan` runs on with a Node that
// satisfies engines (the Node-version branch itself is exercised on Node 20 by hand: see the README).
import { execFile } from "node:child_process";
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { REPOSITORY_ROOT } from "../../tools/mock/run-stack.ts";

const run = promisify(execFile);

async function requireNode(args: string[], env: Record<string, string>) {
  try {
    const { stderr } = await run(process.execPath, args, {
      cwd: REPOSITORY_ROOT,
      env: { npm_lifecycle_event: "test", ...env },
    });
    return { code: 0, stderr };
  } catch (error) {
    const { code, stderr } = error as { code: number; stderr: string };
    return { code, stderr };
  }
}

describe("tools/require-node.js", () => {
  it("lists everything the whole suite lacks, and the one command that brings it", async () => {
    const { code, stderr } = await requireNode(["tools/require-node.js", "test"], {
      PATH: "",
      CHROMIUM_PATH: "/nonexistent/chromium",
    });
    expect(code).toBe(1);
    expect(stderr).toContain("`pnpm test` cannot run on this machine yet:");
    expect(stderr).toContain("  - TEST_DATABASE_URL is not set");
    expect(stderr).toContain("  - No Chromium at /nonexistent/chromium");
    expect(stderr).toContain("  - shellcheck is not on PATH");
    expect(stderr).not.toContain("Node 24 is needed");
    expect(stderr).toContain("Run `./quickstart test` instead");
    expect(stderr).toContain("services/test-postgres.sh start");
  });

  it("lets the suite run when it has everything", async () => {
    const bin = mkdtempSync(path.join(tmpdir(), "require-node-"));
    writeFileSync(path.join(bin, "shellcheck"), "#!/bin/sh\n");
    chmodSync(path.join(bin, "shellcheck"), 0o755);
    const result = await requireNode(["tools/require-node.js", "test"], {
      PATH: bin,
      CHROMIUM_PATH: process.execPath,
      TEST_DATABASE_URL: "postgres://postgres@127.0.0.1:1/postgres",
    });
    expect(result).toEqual({ code: 0, stderr: "" });
  });

  it("runs ahead of every script that starts a TypeScript file with node", async () => {
    const { scripts } = JSON.parse(
      await readFile(path.join(REPOSITORY_ROOT, "package.json"), "utf8"),
    ) as { scripts: Record<string, string> };
    const bare = Object.entries(scripts).filter(([, command]) =>
      /(^|&& )node (?!--import \.\/tools\/require-node\.js )[^&]*\.ts\b/.test(command),
    );
    expect(bare).toEqual([]);
    // Not vacuous: the gate is there, ahead of the commands users run first.
    const gated = Object.keys(scripts).filter((name) =>
      scripts[name]?.includes("tools/require-node.js"),
    );
    expect(gated).toEqual(expect.arrayContaining(["plan", "dev", "test", "preflight", "drill"]));
  });

  // A copy beside a package.json whose engines no Node meets stands in for running on too old a Node.
  async function tooOldNode(script: string) {
    const root = mkdtempSync(path.join(tmpdir(), "require-node-old-"));
    mkdirSync(path.join(root, "tools"));
    copyFileSync(
      path.join(REPOSITORY_ROOT, "tools/require-node.js"),
      path.join(root, "tools/require-node.js"),
    );
    writeFileSync(
      path.join(root, "package.json"),
      JSON.stringify({ engines: { node: ">=99.0.0" } }),
    );
    const { code, stderr } = await requireNode([path.join(root, "tools/require-node.js")], {
      npm_lifecycle_event: script,
    });
    return { code, stderr };
  }

  it("names the Quick start command that brings Node to `pnpm plan`", async () => {
    const { code, stderr } = await tooOldNode("plan");
    expect(code).toBe(1);
    expect(stderr).toContain("`pnpm plan` cannot run on this machine yet:");
    expect(stderr).toContain(
      `  - Node 99 is needed (package.json engines: ">=99.0.0"; this is ${process.version}).`,
    );
    expect(stderr).toContain("Run `./quickstart plan` instead");
  });

  it("tells the other scripts to borrow the Node the Quick start brings", async () => {
    const { code, stderr } = await tooOldNode("docs:update");
    expect(code).toBe(1);
    expect(stderr).toContain("`pnpm docs:update` cannot run on this machine yet:");
    expect(stderr).toContain(
      'Run `./quickstart plan` once: it brings the pinned Node and pnpm into .tools/, installs the dependencies and plans staging offline; then `PATH="$PWD/.tools/bin:$PATH" pnpm docs:update`.',
    );
    expect(stderr).not.toContain("./quickstart docs:update");
  });

  it("checks only Node when imported ahead of a command", async () => {
    const { code, stderr } = await requireNode(
      ["--import", "./tools/require-node.js", "-e", "console.error('ran')"],
      { PATH: "" },
    );
    expect({ code, stderr }).toEqual({ code: 0, stderr: "ran\n" });
  });
});
