// Which addresses a database firewall may admit besides the platform's own apps. A managed
// database answers on a public hostname, so its firewall is the line that keeps the internet out:
// a rule for 0.0.0.0/0 (or any wide range) would undo it.
import { isIP } from "node:net";

/** The widest range a firewall rule may name: a /24 of IPv4 or a /56 of IPv6. */
export const WIDEST_IPV4_PREFIX = 24;
export const WIDEST_IPV6_PREFIX = 56;

/** Why an address or CIDR range is refused as a trusted source, or undefined when it is fine. */
export function trustedRangeProblem(range: string): string | undefined {
  const [address = "", prefixText, ...extra] = range.split("/");
  const family = isIP(address);
  if (family === 0 || extra.length > 0) return "is not an IP address or CIDR range";
  if (prefixText === undefined) return undefined;
  const maxPrefix = family === 4 ? 32 : 128;
  const widest = family === 4 ? WIDEST_IPV4_PREFIX : WIDEST_IPV6_PREFIX;
  if (!/^\d{1,3}$/.test(prefixText) || Number(prefixText) > maxPrefix) {
    return `has an invalid prefix length /${prefixText}`;
  }
  const prefix = Number(prefixText);
  if (prefix < widest) {
    const admitted = family === 4 ? String(2 ** (32 - prefix)) : "too many";
    return `is wider than /${widest}: it would admit ${admitted} addresses`;
  }
  return undefined;
}
