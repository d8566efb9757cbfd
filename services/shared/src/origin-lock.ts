// The origin lock: only requests that came through the platform (the edge, or a service that
// forwards the secret) carry its secret header; anything else is refused. Several secrets may be
// accepted at once, so that a rotation never refuses a caller mid-way.
import { createHash, timingSafeEqual } from "node:crypto";
import { isIP } from "node:net";

export { ORIGIN_LOCK_HEADER } from "./contract.ts";

const digest = (value: string) => createHash("sha256").update(value).digest();

/** Compares digests, which have equal length, in constant time: the timing tells nothing. */
export function originLockAccepts(header: unknown, secrets: readonly string[]): boolean {
  if (secrets.length === 0) return true;
  const presented = digest(typeof header === "string" ? header : "");
  return secrets.map((secret) => timingSafeEqual(presented, digest(secret))).includes(true);
}

/**
 * The client's address as the edge saw it (`CF-Connecting-IP`, which Cloudflare sets itself), for
 * a request the origin lock has verified. Without the lock (local development) the header is
 * anyone's word, and there is no address.
 */
export function verifiedClientAddress(
  request: { originLock: unknown; connectingIp: unknown },
  secrets: readonly string[],
): string | undefined {
  const { originLock, connectingIp } = request;
  if (secrets.length === 0 || !originLockAccepts(originLock, secrets)) return undefined;
  return typeof connectingIp === "string" && isIP(connectingIp) !== 0 ? connectingIp : undefined;
}
