// Where `pnpm test:deployed` may go: E2E_BASE_URL, validated before a browser starts. The suite
// creates an item on every run, so it goes to staging only (the host the staging stack file
// names), or to a server on this machine; never to production, whose items are real.
import path from "node:path";
import { z } from "zod";
import { readStackFile } from "../../../../stacks/config/stack-file.ts";

export const BASE_URL_VARIABLE = "E2E_BASE_URL";

const REPOSITORY_ROOT = path.join(import.meta.dirname, "../../../..");

/** The public app host each stack file declares (`platform:domain` → `appHost`). */
export interface StackAppHosts {
  staging: string;
  production: string;
}

const DomainConfig = z.object({ appHost: z.string().min(1) });

async function appHostOf(stack: keyof StackAppHosts): Promise<string> {
  const file = path.join(REPOSITORY_ROOT, `Pulumi.${stack}.yaml`);
  const { values } = await readStackFile(file, "platform", () => "");
  const domain = DomainConfig.safeParse(JSON.parse(values["platform:domain"] ?? "null"));
  if (!domain.success) {
    throw new Error(
      `${file} has no platform:domain.appHost: the deployed suite reads the stack's public host there.`,
    );
  }
  return domain.data.appHost.toLowerCase();
}

export async function stackAppHosts(): Promise<StackAppHosts> {
  const [staging, production] = await Promise.all([appHostOf("staging"), appHostOf("production")]);
  return { staging, production };
}

/** 127.0.0.0/8, ::1 and localhost: a server on this machine, reached without TLS. */
function isLoopback(url: URL): boolean {
  return (
    url.hostname === "localhost" || url.hostname === "[::1]" || url.hostname.startsWith("127.")
  );
}

function targetSchema(hosts: StackAppHosts, shown: string) {
  const staging = `https://${hosts.staging}`;
  return z
    .url({
      protocol: /^https?$/,
      error: `${BASE_URL_VARIABLE} (${shown}) is not an http(s) URL: give staging's public URL, e.g. ${staging}.`,
    })
    .transform((text) => new URL(text))
    .superRefine((url, context) => {
      const problem = (message: string) => {
        context.addIssue({ code: "custom", message });
      };
      if (url.pathname !== "/" || url.search !== "" || url.hash !== "") {
        problem(
          `${BASE_URL_VARIABLE} (${shown}) has a path, query or fragment: give the site's origin alone, e.g. ${url.origin}.`,
        );
      } else if (isLoopback(url)) {
        return;
      } else if (url.protocol !== "https:") {
        problem(
          `${BASE_URL_VARIABLE} (${shown}) is not https: the edge serves staging over TLS only; use https://${url.host}. (http:// is for a server on a loopback address.)`,
        );
      } else if (url.hostname === hosts.production) {
        problem(
          `${BASE_URL_VARIABLE} (${shown}) is production (platform:domain.appHost in Pulumi.production.yaml): the suite creates items, so it runs against staging only, ${staging}.`,
        );
      } else if (url.hostname !== hosts.staging) {
        problem(
          `${BASE_URL_VARIABLE} (${shown}) is not staging's host ${hosts.staging} (platform:domain.appHost in Pulumi.staging.yaml) nor a loopback address: the suite creates items, so it runs against staging only. Use ${staging}, or correct the stack file if staging moved.`,
        );
      }
    });
}

export type TargetResult = { ok: true; url: URL } | { ok: false; problem: string };

/** Reads E2E_BASE_URL from `env`; every problem says what was found and what to set instead. */
export function deployedTarget(
  env: Readonly<Record<string, string | undefined>>,
  hosts: StackAppHosts,
): TargetResult {
  const value = env[BASE_URL_VARIABLE]?.trim() ?? "";
  if (value === "") {
    return {
      ok: false,
      problem:
        `${BASE_URL_VARIABLE} is not set: it names the deployed staging the browser suite visits, e.g.\n` +
        `  ${BASE_URL_VARIABLE}=https://${hosts.staging} pnpm test:deployed\n` +
        "(staging's platform:domain.appHost in Pulumi.staging.yaml; the staging deploy job sets it from the stack's outputs).",
    };
  }
  const parsed = targetSchema(hosts, value).safeParse(value);
  if (parsed.success) return { ok: true, url: parsed.data };
  return { ok: false, problem: parsed.error.issues.map((issue) => issue.message).join("\n") };
}
