// IP ranges as firewall rules name them. The pack's own parser: a policy that shared the
// program's code would share its mistakes.
import { isIP } from "node:net";

export interface Cidr {
  family: 4 | 6;
  /** Prefix length; a bare address counts as /32 or /128. */
  prefix: number;
}

/** `203.0.113.0/24`, `2001:db8::/48` or a bare address; undefined for anything else. */
export function parseCidr(range: string): Cidr | undefined {
  const [address = "", prefixText, ...extra] = range.split("/");
  const family = isIP(address);
  if ((family !== 4 && family !== 6) || extra.length > 0) return undefined;
  const longest = family === 4 ? 32 : 128;
  if (prefixText === undefined) return { family, prefix: longest };
  if (!/^\d{1,3}$/.test(prefixText) || Number(prefixText) > longest) return undefined;
  return { family, prefix: Number(prefixText) };
}
