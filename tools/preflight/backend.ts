// The state backend `pulumi up` would use from this shell: whether it is the one the bootstrap made
// for the stack, and whether it answers.
import { existsSync } from "node:fs";
import { s3BackendCheck } from "./aws.ts";
import { type Check, checksOf } from "./check.ts";
import type { Backend, Env } from "./credentials.ts";
import { callApi, describeAnswer, Unreachable } from "./http.ts";

const { pass, fail, confirm } = checksOf("State backend");

function bucketOf(url: string): string | undefined {
  try {
    const parsed = new URL(url);
    return parsed.protocol === "s3:" ? parsed.hostname : undefined;
  } catch {
    return undefined;
  }
}

/** The bootstrap's backend for the stack against the one in use. */
export function expectedBackendCheck(
  backend: Backend,
  expected: string | undefined,
): Check | undefined {
  if (expected === undefined || backend.kind === "none") return undefined;
  const id = "backend.expected";
  const title = "The bootstrap's backend";
  if (backend.kind === "s3" && backend.bucket === bucketOf(expected)) {
    return pass(
      id,
      title,
      `${backend.source} points to s3://${backend.bucket}, which the bootstrap made for the stack`,
    );
  }
  return fail(
    id,
    title,
    `the bootstrap keeps this stack's state in ${expected}, but ${backend.source} points to ${backend.url}`,
    `pulumi login '${expected}'   (CI: the environment's PULUMI_BACKEND_URL, which the bootstrap writes)`,
  );
}

export async function reachableCheck(
  env: Env,
  backend: Backend,
  defaultRegion: string,
): Promise<Check | undefined> {
  const id = "backend.reachable";
  switch (backend.kind) {
    case "none":
      return undefined;
    case "s3":
      return s3BackendCheck(env, {
        bucket: backend.bucket,
        region: backend.region ?? defaultRegion,
        endpoint: backend.endpoint,
        forcePathStyle: backend.forcePathStyle,
        profile: backend.profile,
      });
    case "file":
      return existsSync(backend.directory)
        ? pass(id, `State backend ${backend.url}`, "the directory exists")
        : fail(
            id,
            `State backend ${backend.url}`,
            "no such directory",
            `mkdir -p '${backend.directory}', or pulumi login to the stack's backend`,
          );
    case "cloud": {
      const title = `State backend ${backend.url}`;
      if (backend.token === undefined) return undefined;
      // The call `pulumi whoami` makes (pulumi/pulumi pkg/backend/httpstate/client/client.go,
      // GetPulumiAccountDetails: GET /api/user); the REST API's headers per Pulumi's "API Basics".
      try {
        const answer = await callApi(new URL(`${backend.url}/api/user`), {
          headers: { authorization: `token ${backend.token}`, accept: "application/vnd.pulumi+8" },
        });
        const login = (answer.body as { githubLogin?: unknown } | undefined)?.githubLogin;
        if (answer.status === 200)
          return pass(
            id,
            title,
            `answers as ${typeof login === "string" ? login : "the token's user"}`,
          );
        return fail(
          id,
          title,
          `refused the token (${describeAnswer(answer)})`,
          "create a new access token (Pulumi Cloud → Access tokens) and export PULUMI_ACCESS_TOKEN",
        );
      } catch (error) {
        if (!(error instanceof Unreachable)) throw error;
        return fail(id, title, error.message, "check the network and the backend URL");
      }
    }
    case "other":
      return confirm(
        id,
        `State backend ${backend.url}`,
        "preflight checks s3://, file:// and Pulumi Cloud backends only",
        "confirm `pulumi stack ls` answers from this shell",
      );
  }
}
