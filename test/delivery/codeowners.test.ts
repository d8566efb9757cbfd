// .github/CODEOWNERS: the protected branches' ruleset requires a code owner's review, so a pattern
// that names no file owns nothing, and an owner GitHub does not know blocks nothing. Every pattern
// must name a path of the repository, and every owner must be a team the bootstrap already names
// as production's deployment reviewers.
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { BOOTSTRAP_NAMESPACE } from "../../bootstrap/config.ts";
import { readStackFile } from "../../stacks/config/stack-file.ts";
import { SERVICE_CATALOG } from "../../stacks/service-catalog.ts";
import { BOOTSTRAP_STACK_FILE } from "../../tools/mock/run-stack.ts";

const repo = path.join(import.meta.dirname, "../..");

const rules = readFileSync(path.join(repo, ".github/CODEOWNERS"), "utf8")
  .split("\n")
  .map((line) => line.trim())
  .filter((line) => line !== "" && !line.startsWith("#"))
  .map((line) => {
    const [pattern = "", ...owners] = line.split(/\s+/);
    return { pattern, owners };
  });

describe(".github/CODEOWNERS", () => {
  it("anchors every pattern at the root and names a path that exists", () => {
    expect(rules.length).toBeGreaterThan(0);
    for (const { pattern } of rules) {
      // One wildcard, for a folder of services/: the pattern then holds for every catalog service.
      expect(pattern, pattern).toMatch(/^\/(services\/\*\/)?[^*?[\]!]+$/);
      const relative = pattern.slice(1).replace(/\/$/, "");
      const paths = relative.startsWith("services/*/")
        ? SERVICE_CATALOG.map((service) => relative.replace("services/*", service.folder))
        : [relative];
      for (const candidate of paths) {
        const exists = existsSync(path.join(repo, candidate));
        expect({ pattern, candidate, exists }).toEqual({ pattern, candidate, exists: true });
      }
    }
  });

  it("covers the pipelines, the program, the policies, bootstrap, the images' recipes and what the deploy jobs run", () => {
    const patterns = rules.map((rule) => rule.pattern);
    for (const required of [
      "/.github/",
      "/infra/",
      "/stacks/",
      "/policy/",
      "/bootstrap/",
      "/services/*/Dockerfile",
      "/services/*/Dockerfile.dockerignore",
      // The deploy jobs run pnpm preflight (tools/) with production's credentials.
      "/tools/",
      "/package.json",
      "/pnpm-lock.yaml",
    ]) {
      expect(patterns).toContain(required);
    }
  });

  it("gives every pattern owners, each a reviewer team of production (the bootstrap's)", async () => {
    const { values } = await readStackFile(BOOTSTRAP_STACK_FILE, BOOTSTRAP_NAMESPACE, () => "");
    const { owner } = JSON.parse(values[`${BOOTSTRAP_NAMESPACE}:github`] ?? "{}") as {
      owner: string;
    };
    const environments = JSON.parse(values[`${BOOTSTRAP_NAMESPACE}:environments`] ?? "{}") as {
      production: { reviewers: { teams: string[] } };
    };
    const teams = environments.production.reviewers.teams.map((team) => `@${owner}/${team}`);
    expect(teams.length).toBeGreaterThan(0);
    for (const { pattern, owners } of rules) {
      expect({ pattern, owners: owners.length > 0 }).toEqual({ pattern, owners: true });
      for (const owner of owners) expect(teams, `${pattern} ${owner}`).toContain(owner);
    }
  });
});
