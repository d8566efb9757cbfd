// "Nothing else names it": outside the service catalog, no file of the program, the components,
// the policies, the tools or the pipelines names a catalog service (`grep -rlw <name>` over
// stacks/ infra/ policy/ tools/ .github/). A few lines hold the word for something else, each
// listed here with what it is; a new line that names a service fails.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { SERVICE_CATALOG } from "../../stacks/service-catalog.ts";

const root = path.join(import.meta.dirname, "../..");
const SCANNED = ["stacks", "infra", "policy", "tools", ".github"];
const CATALOG_FILE = "stacks/service-catalog.ts";

/** Lines that hold a service's name as a word, but mean something else. */
const NOT_A_SERVICE: readonly { what: string; line: RegExp }[] = [
  {
    what: "the catalog's kind `web` (publicly routed), not the service",
    line: /kind (===|!==) "web"|kind "web"|a web service|\(web or internal\)|one web service|no web service/,
  },
  {
    what: "DigitalOcean's API: its host and the module that calls it",
    line: /api\.digitalocean\.com|digitalocean-api\.ts/,
  },
  {
    what: "Datadog's and New Relic's API hosts, paths and header names",
    line: /api\.datadoghq|https:\/\/api\.\$\{|\/api\/v1\/|dd-api-key|`api-key=|`api-key`/,
  },
  {
    what: "the other providers' API hosts, paths and headers (Pulumi Cloud, Cloudflare, GitHub)",
    line: /api\.(pulumi|cloudflare|github)\.com|\/api\/user|developers\.cloudflare\.com\/api|x-github-api-version/,
  },
  { what: "AWS's web identity (OIDC) credentials", line: /a web identity/ },
  { what: "a repository quoted as a price's source", line: /api-evangelist\// },
  { what: "the GitHub CLI's command", line: /\bgh api\b/ },
];

function scannedFiles(): string[] {
  return execFileSync(
    "git",
    ["ls-files", "-z", "--cached", "--others", "--exclude-standard", ...SCANNED],
    {
      cwd: root,
      encoding: "utf8",
    },
  )
    .split("\0")
    .filter((file) => file !== "" && file !== CATALOG_FILE);
}

/** Whether `text` names the service `name` as a word (grep -w), and means the service. */
function names(name: string, text: string): boolean {
  const word = new RegExp(`(^|[^A-Za-z0-9_])${name}([^A-Za-z0-9_]|$)`);
  return word.test(text) && !NOT_A_SERVICE.some(({ line }) => line.test(text));
}

/** `file:line: text` of every line that names `name`. */
function mentions(name: string): string[] {
  return scannedFiles().flatMap((file) =>
    readFileSync(path.join(root, file), "utf8")
      .split("\n")
      .flatMap((text, index) =>
        names(name, text) ? [`${file}:${String(index + 1)}: ${text.trim()}`] : [],
      ),
  );
}

describe("outside the service catalog", () => {
  it.each(SERVICE_CATALOG.map((service) => service.name))(
    "nothing in stacks/, infra/, policy/, tools/ or .github/ names %s",
    (name) => {
      expect(mentions(name)).toEqual([]);
    },
  );

  it("finds a name where one is written, and spares the words that mean something else", () => {
    expect(names("api", '  API_URL: "http://api:3001",')).toBe(true);
    expect(names("web", "// The web's readiness asks the api's.")).toBe(true);
    expect(names("processor", "new Worker(processor)")).toBe(true);
    expect(names("api", "const apiKey = 1; // rapid")).toBe(false);
    expect(names("web", 'if (service.kind === "web") return route;')).toBe(false);
    expect(names("api", 'const DEFAULT_ENDPOINT = "https://api.digitalocean.com";')).toBe(false);
    expect(names("api", 'const PULUMI_CLOUD = "https://api.pulumi.com";')).toBe(false);
    expect(scannedFiles()).toEqual(
      expect.arrayContaining(["stacks/compute.ts", ".github/workflows/checks.yml"]),
    );
    expect(scannedFiles()).not.toContain(CATALOG_FILE);
  });
});
