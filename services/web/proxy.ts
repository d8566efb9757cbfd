// Runs before every request: refuses requests that did not come through the edge (the origin
// lock), and gives each page a fresh CSP nonce, which Next.js reads from the request's
// Content-Security-Policy header and puts on its scripts.
import { randomBytes } from "node:crypto";
import { type NextRequest, NextResponse } from "next/server";
import { webConfig } from "./lib/config";
import { ORIGIN_LOCK_HEADER, originLockAccepts } from "./lib/origin-lock";
import { contentSecurityPolicy } from "./lib/security-headers";

/** App Platform's own health check calls this directly; it tells nothing and changes nothing. */
const LIVENESS_PATH = "/healthz";

export function proxy(request: NextRequest): NextResponse {
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
  const headers = new Headers(request.headers);
  headers.set("content-security-policy", policy);
  // The secret has done its job; the pages have no use for it.
  headers.delete(ORIGIN_LOCK_HEADER);
  const response = NextResponse.next({ request: { headers } });
  response.headers.set("content-security-policy", policy);
  return response;
}
