// The DigitalOcean API calls the program makes itself, with the same token and endpoint the
// provider uses: whose team the token belongs to (digitalocean-team.ts) and, during an update,
// short-lived registry credentials (registry-push-login.ts). Every failure becomes one RunError
// that says what to fix; none echoes the token.
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import * as pulumi from "@pulumi/pulumi";

/** Where the DigitalOcean API is and how to authenticate, as the provider itself reads them. */
export interface DigitalOceanApi {
  endpoint: string;
  token: string | undefined;
}

const DEFAULT_ENDPOINT = "https://api.digitalocean.com";

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

export const HOW_TO_AUTHENTICATE =
  "export DIGITALOCEAN_TOKEN=<a token of the environment's team>, or pulumi config set --secret digitalocean:token <token>";

export interface ApiResponse {
  status: number;
  text: string;
  /** The text as JSON, or undefined when it is not JSON. */
  body: unknown;
}

/** One GET. node:http rather than fetch: it loads in a fraction of the time. */
function get(url: URL, headers: Record<string, string>): Promise<ApiResponse> {
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
        resolve({ status: response.statusCode ?? 0, text, body });
      });
    });
    outgoing.on("timeout", () => outgoing.destroy(new Error("no answer within 15 s")));
    outgoing.on("error", reject);
    outgoing.end();
  });
}

/**
 * Failures of the connection rather than answers: a kept-alive socket the server closed just as it
 * was reused (ECONNRESET, EPIPE), a lookup or connect that timed out. A GET is idempotent, so it
 * is sent again on a fresh connection; an answer, even an error status, never is.
 */
const TRANSIENT = new Set(["ECONNRESET", "EPIPE", "ETIMEDOUT", "EAI_AGAIN"]);
const ATTEMPTS = 3;

async function getWithRetries(url: URL, headers: Record<string, string>): Promise<ApiResponse> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await get(url, headers);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? "";
      if (attempt >= ATTEMPTS || !TRANSIENT.has(code)) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100 * 2 ** attempt));
    }
  }
}

/**
 * `GET <path>` with the token, for `purpose` (said in every error). A 2xx answer is returned;
 * anything else is a RunError naming the status and the fix. `refusal` says what a 401/403 means.
 */
export async function getFromDigitalOcean(
  digitalOcean: DigitalOceanApi,
  path: string,
  purpose: string,
  refusal = `The DigitalOcean API refused the token`,
): Promise<ApiResponse> {
  if (digitalOcean.token === undefined || digitalOcean.token === "") {
    throw new pulumi.RunError(`No DigitalOcean token is set (${purpose}): ${HOW_TO_AUTHENTICATE}.`);
  }
  // Relative to the endpoint, so that an endpoint with a path prefix keeps it.
  const url = new URL(
    path,
    digitalOcean.endpoint.endsWith("/") ? digitalOcean.endpoint : `${digitalOcean.endpoint}/`,
  );
  let response: ApiResponse;
  try {
    response = await getWithRetries(url, {
      authorization: `Bearer ${digitalOcean.token}`,
      accept: "application/json",
    });
  } catch (error) {
    throw new pulumi.RunError(
      `Could not reach the DigitalOcean API at ${url.origin} (${purpose}): ${String(error)}; check the network or DIGITALOCEAN_API_URL.`,
    );
  }
  if (response.status === 401 || response.status === 403) {
    throw new pulumi.RunError(
      `${refusal} (HTTP ${String(response.status)}, ${purpose}): ${HOW_TO_AUTHENTICATE}.`,
    );
  }
  if (response.status < 200 || response.status > 299) {
    throw new pulumi.RunError(
      `The DigitalOcean API answered HTTP ${String(response.status)} to GET ${url.pathname} (${purpose}); try again, or check status.digitalocean.com.`,
    );
  }
  return response;
}
