// No Docker engine runs in CI, so the services' Dockerfiles are checked here for the faults the
// seed pattern had: files copied from a context that lacks them, a user that was never created,
// shell-form commands that swallow SIGTERM, a floating base image, package managers left in the
// image that runs.
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { createRequire } from "node:module";
import type { Ignore } from "@balena/dockerignore/index.js";
import { describe, expect, it } from "vitest";

const repo = path.join(import.meta.dirname, "../../../..");

interface Instruction {
  keyword: string;
  args: string;
}

function instructions(dockerfile: string): Instruction[] {
  return dockerfile
    .replace(/\\\n/g, " ")
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "" && !line.startsWith("#"))
    .map((line) => {
      const [keyword = "", ...rest] = line.split(/\s+/);
      return { keyword: keyword.toUpperCase(), args: rest.join(" ") };
    });
}

// The package's types sit in index.d.ts beside a `main` of ignore.js, where TypeScript does not
// look for them; the type comes from there, the function from the package itself.
const dockerignore = createRequire(import.meta.url)("@balena/dockerignore") as (options?: {
  ignorecase?: boolean;
}) => Ignore;

/** Whether BuildKit sends `file` to the builder, by Docker's own matching rules. */
function admitted(ignoreFile: string, file: string): boolean {
  return !dockerignore({ ignorecase: false }).add(ignoreFile.split("\n")).ignores(file);
}

function stages(list: Instruction[]): Instruction[][] {
  const result: Instruction[][] = [];
  for (const instruction of list) {
    if (instruction.keyword === "FROM") result.push([]);
    result.at(-1)?.push(instruction);
  }
  return result;
}

const rootIgnore = readFileSync(path.join(repo, ".dockerignore"), "utf8");

// Every service of the catalog has its image; the worker's answers no health path.
describe.each(["api", "web", "processor"])("services/%s/Dockerfile", (service) => {
  const dockerfile = readFileSync(path.join(repo, `services/${service}/Dockerfile`), "utf8");
  const ignore = readFileSync(
    path.join(repo, `services/${service}/Dockerfile.dockerignore`),
    "utf8",
  );
  const list = instructions(dockerfile);
  const runner = stages(list).at(-1) ?? [];

  it("pulls one base image, Node 24 alpine by release and digest, and builds every stage on it", () => {
    const [image, ...stages] = list.filter((line) => line.keyword === "FROM");
    expect(image?.args).toMatch(/^node:24\.\d+\.\d+-alpine@sha256:[0-9a-f]{64} AS node-runtime$/);
    expect(stages.length).toBeGreaterThan(0);
    for (const from of stages) {
      expect(from.args).toMatch(/^(node-runtime|base|deps) AS (base|deps|builder|runner)$/);
    }
    expect(stages.at(-1)?.args).toBe("node-runtime AS runner");
  });

  it("removes npm, npx, corepack and yarn from the image that runs", () => {
    const removal = runner.find(
      (line) =>
        line.keyword === "RUN" && line.args.includes("rm -rf /usr/local/lib/node_modules/npm"),
    );
    for (const path of [
      "/usr/local/lib/node_modules/npm",
      "/usr/local/lib/node_modules/corepack",
      "/opt/yarn-v*",
      "/usr/local/bin/npm",
      "/usr/local/bin/npx",
      "/usr/local/bin/corepack",
      "/usr/local/bin/yarn",
      "/usr/local/bin/yarnpkg",
    ]) {
      expect({ path, removed: removal?.args.split(/\s+/).includes(path) }).toEqual({
        path,
        removed: true,
      });
    }
  });

  it("copies from the build context only files that exist and the ignore file admits", () => {
    const copies = list.filter((line) => line.keyword === "COPY" && !line.args.includes("--from"));
    expect(copies.length).toBeGreaterThan(0);
    for (const copy of copies) {
      const sources = copy.args.split(/\s+/).slice(0, -1);
      for (const source of sources) {
        expect(existsSync(path.join(repo, source)), `${source} exists`).toBe(true);
        expect(admitted(ignore, source), `${source} is in the build context`).toBe(true);
      }
    }
  });

  // pnpm finds each workspace package where it sits and looks it up in the lockfile by that path:
  // a manifest copied elsewhere is another package to `--frozen-lockfile`, which refuses it.
  it("copies each workspace manifest to its own folder, where the lockfile's importers expect it", () => {
    const installing = stages(list).filter((stage) =>
      stage.some((i) => i.keyword === "RUN" && /pnpm (deploy|install)/.test(i.args)),
    );
    const manifests = installing
      .flat()
      .filter((i) => i.keyword === "COPY" && !i.args.startsWith("--from"))
      .map((i) => i.args.split(/\s+/))
      .filter(([source]) => /^services\/[^/]+\/package\.json$/.test(source ?? ""))
      .map(([source, destination]) => ({ source, destination }));
    expect(manifests.length).toBeGreaterThan(0);
    for (const { source, destination } of manifests) {
      expect({ source, destination }).toEqual({
        source,
        destination: `${path.dirname(source ?? "")}/`,
      });
    }
  });

  it("keeps the rest of the repository out of the build context", () => {
    for (const file of [
      "stacks/index.ts",
      "node_modules",
      ".git",
      `services/${service}/node_modules`,
    ]) {
      expect(admitted(ignore, file), file).toBe(false);
    }
  });

  it("keeps every .env file out of the build context, so no secret reaches the image", () => {
    // `next build` copies .env files into .next/standalone, which the web image ships.
    for (const file of [
      ".env",
      ".env.production",
      ".env.local",
      `services/${service}/.env`,
      `services/${service}/.env.production`,
      `services/${service}/.env.production.local`,
      `services/${service}/src/.env`,
      `services/${service}/app/.env.local`,
    ]) {
      expect(admitted(ignore, file), file).toBe(false);
      expect(admitted(rootIgnore, file), `${file} (.dockerignore)`).toBe(false);
    }
  });

  it("runs @platform/runtime from source outside node_modules, linked in, where Node strips its types", () => {
    const copies = list.filter((line) => line.keyword === "COPY").map((line) => line.args);
    expect(copies).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^services\/shared\/package\.json \S*runtime\/package\.json$/),
        expect.stringMatching(/^services\/shared\/src \S*runtime\/src$/),
      ]),
    );
    const link = list.find(
      (line) => line.keyword === "RUN" && line.args.includes("node_modules/@platform/runtime"),
    );
    expect(link?.args).toMatch(/ln -s \.\.\/\.\.\/\S*runtime \S*node_modules\/@platform\/runtime$/);
  });

  it("installs from the frozen lockfile with the workspace's pnpm, from corepack", () => {
    const manifest = JSON.parse(readFileSync(path.join(repo, "package.json"), "utf8")) as {
      engines: { pnpm: string };
    };
    const pinned = list.find(
      (line) => line.keyword === "ARG" && line.args.startsWith("PNPM_VERSION="),
    );
    expect(manifest.engines.pnpm).toContain(`>=${pinned?.args.split("=")[1] ?? "?"} `);
    expect(dockerfile).toContain('corepack prepare "pnpm@${PNPM_VERSION}" --activate');
    expect(dockerfile).toMatch(/pnpm deploy --filter @platform\/\w+ .*--frozen-lockfile/);
  });

  it("runs production as a user it created, with exec-form commands and a health check", () => {
    const user = runner.find((line) => line.keyword === "USER")?.args ?? "root";
    const name = user.split(":")[0] ?? "";
    expect(name).not.toMatch(/^(root|0)?$/);
    expect(
      runner.some(
        (line) =>
          line.keyword === "RUN" &&
          line.args.includes(`adduser -S -u 1001 -G`) &&
          line.args.includes(` ${name}`),
      ),
    ).toBe(true);
    const env = runner.find((line) => line.keyword === "ENV")?.args ?? "";
    expect(env).toContain("NODE_ENV=production");
    if (service === "web") expect(env).toContain("NEXT_TELEMETRY_DISABLED=1");
    const cmd = runner.find((line) => line.keyword === "CMD")?.args ?? "";
    expect(JSON.parse(cmd)).toEqual(expect.arrayContaining(["node"]));
    const healthcheck = runner.find((line) => line.keyword === "HEALTHCHECK")?.args ?? "";
    expect(healthcheck).toMatch(
      service === "processor"
        ? /CMD \["node", "-e", ".*\/proc\/1\/stat.*\/livez/
        : /CMD \["node", "-e", ".*\/healthz/,
    );
  });
});
