// Runs before every request: refuses requests that did not come through the edge (the origin
// lock), limits and checks form posts (lib/form-guard.ts), and gives each page a fresh CSP nonce,
// which Next.js reads from the request's Content-Security-Policy header and puts on its scripts.
import { randomBytes } from "node:crypto";
import { type NextRequest, NextResponse } from "next/server";
import { webConfig } from "./lib/config";
import { formPostLimiter, invalidTextIn } from "./lib/form-guard";
import {
  ORIGIN_LOCK_HEADER,
  originLockAccepts,
  verifiedClientAddress,
} from "@platform/runtime/origin-lock";
import { contentSecurityPolicy } from "./lib/security-headers";

/** App Platform's own health check calls this directly; it tells nothing and changes nothing. */
const LIVENESS_PATH = "/healthz";

/**
 * The largest form post read for its encoding: Next refuses a Server Action body over 1 MB
 * (serverActions.bodySizeLimit) before the action runs, so a larger one never gets that far.
 */
const LARGEST_CHECKED_BODY = 1024 * 1024;

let limitFormPost: ReturnType<typeof formPostLimiter> | undefined;

/** 429 when the client is over its limit, 400 when the form is not text, else undefined. */
async function refuseFormPost(request: NextRequest): Promise<NextResponse | undefined> {
  const { FORM_POSTS_PER_MINUTE, ORIGIN_LOCK_SECRETS } = webConfig();
  limitFormPost ??= formPostLimiter(FORM_POSTS_PER_MINUTE);
  const client = verifiedClientAddress(
    {
      originLock: request.headers.get(ORIGIN_LOCK_HEADER),
      connectingIp: request.headers.get("cf-connecting-ip"),
    },
    ORIGIN_LOCK_SECRETS,
  );
  // Without an address the edge vouches for (local development), all posts share one counter.
  const retryAfter = await limitFormPost(client ?? "unverified");
  if (retryAfter !== undefined) {
    return NextResponse.json(
      {
        error: "rate_limited",
        message: `too many form posts from this address: retry in ${retryAfter} s`,
      },
      { status: 429, headers: { "retry-after": String(retryAfter) } },
    );
  }
  if (Number(request.headers.get("content-length") ?? 0) > LARGEST_CHECKED_BODY) return undefined;
  const field = invalidTextIn(
    Buffer.from(await request.arrayBuffer()),
    request.headers.get("content-type") ?? "",
  );
  if (field === undefined) return undefined;
  return NextResponse.json(
    {
      error: "invalid_encoding",
      message: "the form is not valid UTF-8 text",
      issues: [{ path: field, message: "must be UTF-8 text" }],
    },
    { status: 400 },
  );
}

export async function proxy(request: NextRequest): Promise<NextResponse> {
  const nonce = randomBytes(16).toString("base64");
  const policy = contentSecurityPolicy(nonce);
  const { ORIGIN_LOCK_SECRETS } = webConfig();
  if (
    request.nextUrl.pathname !== LIVENESS_PATH &&
    !originLockAccepts(request.headers.get(ORIGIN_LOCK_HEADER), ORIGIN_LOCK_SECRETS)
  ) {
    return NextResponse.json(
      { error: "forbidden", message: "requests reach this app through its public hostname only" },
      { status: 403, headers: { "content-security-policy": policy } },
    );
  }
  const refused = request.method === "POST" ? await refuseFormPost(request) : undefined;
  if (refused !== undefined) {
    refused.headers.set("content-security-policy", policy);
    return refused;
  }
  const headers = new Headers(request.headers);
  headers.set("content-security-policy", policy);
  // The secret has done its job; the pages have no use for it.
  headers.delete(ORIGIN_LOCK_HEADER);
  const response = NextResponse.next({ request: { headers } });
  response.headers.set("content-security-policy", policy);
  return response;
}
