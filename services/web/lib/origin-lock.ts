// The origin lock: only requests that came through the platform's edge carry its secret header
// (a Cloudflare request-header rule adds it, and so do the load balancer's monitors), so a request
// to the app's own `*.ondigitalocean.app` address, which would skip the edge's TLS policy, WAF and
// rate limits, is refused. Several secrets may be accepted at once so that a rotation never
// refuses the edge: the services accept the new and the previous one before the edge switches.
import { createHash, timingSafeEqual } from "node:crypto";
import { isIP } from "node:net";

export const ORIGIN_LOCK_HEADER = "x-origin-lock";

const digest = (value: string) => createHash("sha256").update(value).digest();

/** Compares digests, which have equal length, in constant time: the timing tells nothing. */
export function originLockAccepts(header: string | null, secrets: readonly string[]): boolean {
  if (secrets.length === 0) return true;
  const presented = digest(header ?? "");
  return secrets.map((secret) => timingSafeEqual(presented, digest(secret))).includes(true);
}

/**
 * The client's address as the edge saw it (`CF-Connecting-IP`, which Cloudflare sets itself), for
 * a request the origin lock has verified. Without the lock (local development) the header is
 * anyone's word, and there is no address.
 */
export function verifiedClientAddress(
  request: { originLock: string | null; connectingIp: string | null },
  secrets: readonly string[],
): string | undefined {
  const { originLock, connectingIp } = request;
  if (secrets.length === 0 || !originLockAccepts(originLock, secrets)) return undefined;
  return connectingIp !== null && isIP(connectingIp) !== 0 ? connectingIp : undefined;
}
