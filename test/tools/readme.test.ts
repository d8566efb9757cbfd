import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { SECRET_KEYS } from "../../stacks/config/schema.ts";
import { configReference, withReference } from "../../tools/docs/config-reference.ts";
import { REPOSITORY_ROOT } from "../../tools/mock/run-stack.ts";

const readmePath = `${REPOSITORY_ROOT}README.md`;

describe("the README's config reference", () => {
  it("is the one generated from the schema (run `pnpm docs:config` after a schema change)", async () => {
    const readme = await readFile(readmePath, "utf8");
    expect(await withReference(readme, readmePath)).toBe(readme);
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
    await expect(withReference("# no markers\n", readmePath)).rejects.toThrow(/lacks the markers/);
  });
});
