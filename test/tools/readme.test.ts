import { readFile } from "node:fs/promises";
import { beforeAll, describe, expect, it } from "vitest";
import { SECRET_KEYS } from "../../stacks/config/schema.ts";
import { configReference } from "../../tools/docs/config-reference.ts";
import { architectureDiagramOf, regeneratedReadme } from "../../tools/docs/readme.ts";
import { REPOSITORY_ROOT } from "../../tools/mock/run-stack.ts";
import { planned } from "../support/plans.ts";

const readmePath = `${REPOSITORY_ROOT}README.md`;

let diagram: string;

// `pnpm docs:update` draws it from its own run of the production stack (architectureDiagram); the
// test draws it from the run test/global-setup.ts made of the same stack file.
beforeAll(async () => {
  diagram = architectureDiagramOf((await planned("production")).run);
});

describe("the README's generated sections", () => {
  it("match the schema and the production plan (run `pnpm docs:update` after changing either)", async () => {
    const readme = await readFile(readmePath, "utf8");
    expect(await regeneratedReadme(readme, readmePath, diagram)).toBe(readme);
  });

  it("draw every component of the production plan and what it uses", () => {
    expect(diagram).toMatch(/^```mermaid\nflowchart LR\n/);
    for (const edge of [
      "app_fra --> database_firewall",
      "app_ams --> database",
      "app_load_balancer --> app_fra",
      "app_load_balancer --> app_ams",
      "database_firewall --> network",
      "image_api --> registry",
      "edge_rules --> origin_lock",
    ]) {
      expect(diagram).toContain(`  ${edge}\n`);
    }
    expect(diagram).toMatch(
      /subgraph tier_storage \[storage\]\n {4}assets\["assets<br\/>AssetBucket/,
    );
    // Provider resources configure others; they are no part of the architecture.
    expect(diagram).not.toMatch(/pulumi:providers|\baws\["/);
  });

  it("lists every leaf key, and each secret as a secret", () => {
    const reference = configReference();
    for (const key of ["regions.primary", "database.replicas[].region", "edge.hsts.preload"]) {
      expect(reference).toContain(`| \`${key}\` |`);
    }
    for (const key of SECRET_KEYS)
      expect(reference).toMatch(new RegExp(`\\| \`${key}\` \\| secret: `));
  });

  it("refuses a README that lost its markers", async () => {
    await expect(regeneratedReadme("# no markers\n", readmePath, diagram)).rejects.toThrow(
      /lacks the markers <!-- config-reference:start/,
    );
  });
});
