// Which addresses a database firewall may admit besides the platform's own apps. A managed
// database answers on a public hostname, so its firewall is the line that keeps the internet out:
// a rule for 0.0.0.0/0 (or any wide range) would undo it.
import { parseCidr } from "../core/cidr.ts";

/** The widest range a firewall rule may name: a /24 of IPv4 or a /56 of IPv6. */
export const WIDEST_IPV4_PREFIX = 24;
export const WIDEST_IPV6_PREFIX = 56;

/** Why an address or CIDR range is refused as a trusted source, or undefined when it is fine. */
export function trustedRangeProblem(range: string): string | undefined {
  const cidr = parseCidr(range);
  if (typeof cidr === "string") return cidr;
  const widest = cidr.family === 4 ? WIDEST_IPV4_PREFIX : WIDEST_IPV6_PREFIX;
  if (cidr.prefix >= widest) return undefined;
  const admitted = cidr.family === 4 ? String(2 ** (32 - cidr.prefix)) : "too many";
  return `is wider than /${widest}: it would admit ${admitted} addresses`;
}
