// One DigitalOcean team per environment, checked before anything is registered. The container
// registry and its subscription tier are one per team, so two stacks in one team would fight over
// them (staging's `basic` and production's `professional` flipping the tier on every run, or the
// second create failing). The provider's account data source does not expose the team, so the
// program asks DigitalOcean's API itself (`GET /v2/account`, whose `account.team` holds `uuid` and
// `name`), with the same token and endpoint the provider uses.
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";

export interface DigitalOceanTeam {
  uuid: string;
  name: string;
}

/** Where the DigitalOcean API is and how to authenticate, as the provider itself reads them. */
export interface DigitalOceanApi {
  endpoint: string;
  token: string | undefined;
}

const DEFAULT_ENDPOINT = "https://api.digitalocean.com";

const AccountResponse = z.object({
  account: z.object({
    email: z.string().optional(),
    team: z.object({ uuid: z.string(), name: z.string() }).optional(),
  }),
});

/**
 * The provider's settings: `digitalocean:token` / `digitalocean:apiEndpoint` in the stack config,
 * else the environment variables the provider reads (DIGITALOCEAN_TOKEN or
 * DIGITALOCEAN_ACCESS_TOKEN, DIGITALOCEAN_API_URL).
 */
export function digitalOceanApiFromSettings(env: NodeJS.ProcessEnv = process.env): DigitalOceanApi {
  const provider = new pulumi.Config("digitalocean");
  // Like the provider (schema.MultiEnvDefaultFunc), an empty value counts as unset.
  const first = (...values: (string | undefined)[]) =>
    values.find((value) => value !== undefined && value !== "");
  return {
    endpoint: first(provider.get("apiEndpoint"), env.DIGITALOCEAN_API_URL) ?? DEFAULT_ENDPOINT,
    token: first(provider.get("token"), env.DIGITALOCEAN_TOKEN, env.DIGITALOCEAN_ACCESS_TOKEN),
  };
}

const HOW_TO_AUTHENTICATE =
  "export DIGITALOCEAN_TOKEN=<a token of the environment's team>, or pulumi config set --secret digitalocean:token <token>";

interface JsonResponse {
  status: number;
  body: unknown;
}

/** One GET with a JSON answer. node:http rather than fetch: it loads in a fraction of the time. */
function getJson(url: URL, headers: Record<string, string>): Promise<JsonResponse> {
  const request = url.protocol === "http:" ? httpRequest : httpsRequest;
  return new Promise((resolve, reject) => {
    const outgoing = request(url, { headers, timeout: 15_000 }, (response) => {
      const chunks: Buffer[] = [];
      response.on("data", (chunk: Buffer) => chunks.push(chunk));
      response.on("error", reject);
      response.on("end", () => {
        const text = Buffer.concat(chunks).toString("utf8");
        let body: unknown = undefined;
        try {
          body = JSON.parse(text);
        } catch {
          // Not JSON: the status says what happened.
        }
        resolve({ status: response.statusCode ?? 0, body });
      });
    });
    outgoing.on("timeout", () => outgoing.destroy(new Error("no answer within 15 s")));
    outgoing.on("error", reject);
    outgoing.end();
  });
}

/** The team that owns the token. Errors say what failed and how to fix it; none echoes the token. */
export async function fetchTeam(api: DigitalOceanApi): Promise<DigitalOceanTeam> {
  if (api.token === undefined || api.token === "") {
    throw new pulumi.RunError(`No DigitalOcean token is set: ${HOW_TO_AUTHENTICATE}.`);
  }
  // Relative to the endpoint, so that an endpoint with a path prefix keeps it.
  const url = new URL("v2/account", api.endpoint.endsWith("/") ? api.endpoint : `${api.endpoint}/`);
  let response: JsonResponse;
  try {
    response = await getJson(url, {
      authorization: `Bearer ${api.token}`,
      accept: "application/json",
    });
  } catch (error) {
    throw new pulumi.RunError(
      `Could not reach the DigitalOcean API at ${url.origin} to check the team (${String(error)}); check the network or DIGITALOCEAN_API_URL.`,
    );
  }
  if (response.status === 401 || response.status === 403) {
    throw new pulumi.RunError(
      `The DigitalOcean API refused the token (HTTP ${response.status}): ${HOW_TO_AUTHENTICATE}.`,
    );
  }
  if (response.status < 200 || response.status > 299) {
    throw new pulumi.RunError(
      `The DigitalOcean API answered HTTP ${response.status} to GET /v2/account; try again, or check status.digitalocean.com.`,
    );
  }
  const parsed = AccountResponse.safeParse(response.body);
  if (!parsed.success || parsed.data.account.team === undefined) {
    throw new pulumi.RunError(
      "The DigitalOcean account answer names no team. Use a token created inside the environment's team (API tokens belong to one team).",
    );
  }
  return parsed.data.account.team;
}

/** Why the token's team is not the stack's, or undefined when it is (by name or UUID). */
export function teamMismatch(
  stack: string,
  expected: string,
  actual: DigitalOceanTeam,
): string | undefined {
  if (actual.name === expected || actual.uuid === expected) return undefined;
  return [
    `Stack "${stack}" belongs to the DigitalOcean team "${expected}" (platform:digitalocean.team), but the token belongs to team "${actual.name}" (${actual.uuid}). Nothing was changed.`,
    `  fix: use a token of team "${expected}" (${HOW_TO_AUTHENTICATE})`,
    `   or, if this stack really moved to "${actual.name}": pulumi config set --path digitalocean.team "${actual.name}"`,
  ].join("\n");
}

/** Stops the program, before it registers anything, when the token belongs to another team. */
export async function requireDigitalOceanTeam(
  stack: string,
  expected: string,
  api: DigitalOceanApi,
): Promise<DigitalOceanTeam> {
  const actual = await fetchTeam(api);
  const problem = teamMismatch(stack, expected, actual);
  if (problem !== undefined) throw new pulumi.RunError(problem);
  return actual;
}
