import { isIP } from "node:net";

export interface Cidr {
  family: 4 | 6;
  /** Prefix length; a bare address counts as a full-length range (/32 or /128). */
  prefix: number;
}

/** Parses `203.0.113.0/24`, `2001:db8::/56` or a bare address; a string says why it is no range. */
export function parseCidr(range: string): Cidr | string {
  const [address = "", prefixText, ...extra] = range.split("/");
  const family = isIP(address);
  if ((family !== 4 && family !== 6) || extra.length > 0) {
    return "is not an IP address or CIDR range";
  }
  const maxPrefix = family === 4 ? 32 : 128;
  if (prefixText === undefined) return { family, prefix: maxPrefix };
  if (!/^\d{1,3}$/.test(prefixText) || Number(prefixText) > maxPrefix) {
    return `has an invalid prefix length /${prefixText}`;
  }
  return { family, prefix: Number(prefixText) };
}
