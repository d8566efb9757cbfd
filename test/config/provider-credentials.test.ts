// The config refuses plaintext provider credentials by a list (stacks/config/provider-credentials.ts).
// The list must hold at least what each provider SDK itself treats as secret: the generated
// provider.js of every @pulumi package wraps those inputs in pulumi.secret(...). An SDK upgrade
// that adds a credential fails here until the list names it.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { describe, expect, it } from "vitest";
import {
  PROVIDER_CREDENTIALS,
  providerCredential,
} from "../../stacks/config/provider-credentials.ts";
import { validateStackConfig } from "../../stacks/config/load.ts";
import { rawStackConfig, VALIDATION_CONTEXT } from "../support/stack-config.ts";

const repo = path.join(import.meta.dirname, "../..");
const manifest = JSON.parse(readFileSync(path.join(repo, "package.json"), "utf8")) as {
  dependencies: Record<string, string>;
};
const providerPackages = Object.keys(manifest.dependencies).filter(
  (name) => name.startsWith("@pulumi/") && name !== "@pulumi/pulumi",
);
const require = createRequire(path.join(repo, "package.json"));

/** The provider inputs an SDK wraps in pulumi.secret(...), as `<provider>:<input>`. */
function secretInputsOf(pkg: string): string[] {
  const source = readFileSync(require.resolve(`${pkg}/provider.js`), "utf8");
  const provider = pkg.slice("@pulumi/".length);
  return [...source.matchAll(/resourceInputs\["(\w+)"\] = [^;]*\bpulumi\.secret\(/g)].map(
    (match) => `${provider}:${match[1] ?? ""}`,
  );
}

describe("provider credentials", () => {
  it("include every input a provider SDK of the program marks secret", () => {
    const marked = providerPackages.flatMap(secretInputsOf);
    // The scan finds what it should, so an empty result cannot pass for "nothing to list".
    expect(marked).toEqual(
      expect.arrayContaining(["aws:secretKey", "digitalocean:token", "cloudflare:apiToken"]),
    );
    const listed = PROVIDER_CREDENTIALS.map((credential) => credential.key);
    expect(marked.filter((key) => !listed.includes(key))).toEqual([]);
  });

  it("name only settings the SDKs have", () => {
    for (const { key } of PROVIDER_CREDENTIALS) {
      const [provider = "", setting = ""] = key.split(":");
      const vars = readFileSync(require.resolve(`@pulumi/${provider}/config/vars.js`), "utf8");
      expect({ key, defined: vars.includes(`"${setting}"`) }).toEqual({ key, defined: true });
    }
  });

  it("are accepted as secrets", async () => {
    const production = await rawStackConfig("production");
    const otherKeys = {
      "cloudflare:apiToken": "x",
      "digitalocean:token": "y",
      "digitalocean:apiEndpoint": "z",
    };
    const secret = validateStackConfig(
      {
        ...production,
        otherKeys,
        otherSecretKeys: new Set(["cloudflare:apiToken", "digitalocean:token"]),
      },
      VALIDATION_CONTEXT,
    );
    expect(secret.ok ? [] : secret.problems).toEqual([]);
    expect(providerCredential("digitalocean:apiEndpoint")).toBeUndefined();
  });

  it("are refused in plain text without their value in the report", async () => {
    const production = await rawStackConfig("production");
    const result = validateStackConfig(
      {
        ...production,
        otherKeys: { "cloudflare:apiToken": "cf-token-never-shown" },
      },
      VALIDATION_CONTEXT,
    );
    expect(result.ok).toBe(false);
    expect(JSON.stringify(result)).not.toContain("cf-token-never-shown");
  });
});
