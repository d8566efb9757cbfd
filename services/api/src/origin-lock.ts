// The origin lock: only requests that came through the platform (the edge, or the web service,
// which forwards the secret) carry its secret header; anything else is refused. Several secrets
// may be accepted at once, so that a rotation never refuses a caller mid-way.
import { createHash, timingSafeEqual } from "node:crypto";

export const ORIGIN_LOCK_HEADER = "x-origin-lock";

const digest = (value: string) => createHash("sha256").update(value).digest();

/** Compares digests, which have equal length, in constant time: the timing tells nothing. */
export function originLockAccepts(header: unknown, secrets: readonly string[]): boolean {
  if (secrets.length === 0) return true;
  const presented = digest(typeof header === "string" ? header : "");
  return secrets.map((secret) => timingSafeEqual(presented, digest(secret))).includes(true);
}
