// Which credentials this shell holds, read where the providers and the Pulumi CLI read them, and
// never printed: only their names and whether each is set.
import { existsSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import path from "node:path";
import { z } from "zod";

export type Env = Readonly<Record<string, string | undefined>>;

/** The first variable of `names` that is set and not empty (providers treat empty as unset). */
export function firstSet(
  env: Env,
  names: readonly string[],
): { name: string; value: string } | undefined {
  for (const name of names) {
    const value = env[name];
    if (value !== undefined && value !== "") return { name, value };
  }
  return undefined;
}

/** Each provider's token, under the variables its Pulumi provider reads. */
export const TOKEN_VARIABLES = {
  // terraform-provider-digitalocean reads DIGITALOCEAN_TOKEN, then DIGITALOCEAN_ACCESS_TOKEN
  // (stacks/digitalocean-api.ts does the same for the program's own calls).
  digitalocean: ["DIGITALOCEAN_TOKEN", "DIGITALOCEAN_ACCESS_TOKEN"],
  // @pulumi/cloudflare provider.d.ts: "can be configured using the CLOUDFLARE_API_TOKEN
  // environment variable"; the platform uses API tokens only (README: The tokens, exactly).
  cloudflare: ["CLOUDFLARE_API_TOKEN"],
  // @pulumi/github reads GITHUB_TOKEN; CI passes PLATFORM_GITHUB_TOKEN under that name.
  github: ["GITHUB_TOKEN"],
} as const;

/** Where each API is, as the providers and SDKs let it be moved (and the tests move it). */
export function apiBases(env: Env) {
  return {
    // The provider's DIGITALOCEAN_API_URL (stacks/digitalocean-api.ts).
    digitalocean: firstSet(env, ["DIGITALOCEAN_API_URL"])?.value ?? "https://api.digitalocean.com",
    // cloudflare/cloudflare-go (v4+, under terraform-provider-cloudflare v5), client.go
    // DefaultClientOptions: `os.LookupEnv("CLOUDFLARE_BASE_URL")` replaces the base URL.
    cloudflare:
      firstSet(env, ["CLOUDFLARE_BASE_URL"])?.value ?? "https://api.cloudflare.com/client/v4",
    // @pulumi/github provider.d.ts: "can also be set by the GITHUB_BASE_URL environment variable".
    github: firstSet(env, ["GITHUB_BASE_URL"])?.value ?? "https://api.github.com",
  };
}

/** Where the stack's state lives, and what the Pulumi CLI would authenticate to it with. */
export type Backend =
  | { kind: "none" }
  | { kind: "cloud"; url: string; source: string; token: string | undefined }
  | {
      kind: "s3";
      url: string;
      source: string;
      bucket: string;
      region: string | undefined;
      endpoint: string | undefined;
      forcePathStyle: boolean;
      profile: string | undefined;
    }
  | { kind: "file"; url: string; source: string; directory: string }
  | { kind: "other"; url: string; source: string };

// The CLI's own record of `pulumi login`: ~/.pulumi/credentials.json (PULUMI_HOME moves it),
// `current` is the backend in use and `accessTokens` maps Pulumi Cloud URLs to tokens
// (pulumi/pulumi sdk/go/common/workspace/creds.go, type Credentials).
const CliCredentials = z.object({
  current: z.string().optional(),
  accessTokens: z.record(z.string(), z.string()).optional(),
});

function cliCredentials(env: Env): z.infer<typeof CliCredentials> {
  const home =
    firstSet(env, ["PULUMI_HOME"])?.value ??
    path.join(firstSet(env, ["HOME"])?.value ?? homedir(), ".pulumi");
  const file = path.join(home, "credentials.json");
  if (!existsSync(file)) return {};
  const parsed = CliCredentials.safeParse(JSON.parse(readFileSync(file, "utf8")));
  return parsed.success ? parsed.data : {};
}

/**
 * An S3 backend URL as the CLI reads it (gocloud.dev's s3blob URL opener): `region`, `profile`,
 * and for S3-compatible servers `endpoint` (a host, with `disableSSL=true` for plain HTTP) and
 * `s3ForcePathStyle=true` (Pulumi's docs, "State and backends": `pulumi login
 * 's3://<bucket>?endpoint=my.minio.local:8080&disableSSL=true&s3ForcePathStyle=true'`).
 */
function s3Backend(url: URL, source: string): Backend {
  const query = url.searchParams;
  const endpoint = query.get("endpoint") ?? undefined;
  const scheme = query.get("disableSSL") === "true" ? "http" : "https";
  return {
    kind: "s3",
    url: url.href,
    source,
    bucket: url.hostname,
    region: query.get("region") ?? undefined,
    endpoint:
      endpoint === undefined || /^https?:\/\//.test(endpoint)
        ? endpoint
        : `${scheme}://${endpoint}`,
    forcePathStyle: query.get("s3ForcePathStyle") === "true",
    profile: query.get("profile") ?? undefined,
  };
}

const PULUMI_CLOUD = "https://api.pulumi.com";

/** The backend `pulumi up` would use from this shell: PULUMI_BACKEND_URL, else `pulumi login`. */
export function currentBackend(env: Env): Backend {
  const credentials = cliCredentials(env);
  const fromEnv = firstSet(env, ["PULUMI_BACKEND_URL"]);
  // With neither, the CLI logs in to Pulumi Cloud with PULUMI_ACCESS_TOKEN when it is set, as
  // pulumi/actions does in CI with an empty `cloud-url`.
  const chosen =
    fromEnv !== undefined
      ? { url: fromEnv.value, source: "PULUMI_BACKEND_URL" }
      : credentials.current !== undefined
        ? { url: credentials.current, source: "pulumi login" }
        : firstSet(env, ["PULUMI_ACCESS_TOKEN"]) !== undefined
          ? { url: PULUMI_CLOUD, source: "PULUMI_ACCESS_TOKEN" }
          : undefined;
  if (chosen === undefined) return { kind: "none" };
  let url: URL;
  try {
    url = new URL(chosen.url);
  } catch {
    return { kind: "other", url: chosen.url, source: chosen.source };
  }
  switch (url.protocol) {
    case "s3:":
      return s3Backend(url, chosen.source);
    case "file:":
      return { kind: "file", url: chosen.url, source: chosen.source, directory: url.pathname };
    case "https:":
    case "http:":
      return {
        kind: "cloud",
        url: chosen.url.replace(/\/$/, ""),
        source: chosen.source,
        token:
          firstSet(env, ["PULUMI_ACCESS_TOKEN"])?.value ??
          credentials.accessTokens?.[chosen.url.replace(/\/$/, "")],
      };
    default:
      return { kind: "other", url: chosen.url, source: chosen.source };
  }
}
