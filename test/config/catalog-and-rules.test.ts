import { describe, expect, it } from "vitest";
import { databaseMemoryGb } from "../../infra/data/database-sizes.ts";
import { appDatacenterOf, appRegionOf } from "../../stacks/config/catalog.ts";
import { trustedRangeProblem } from "../../infra/data/trusted-sources.ts";

describe("database memory from a size slug", () => {
  it.each([
    ["db-s-1vcpu-1gb", 1],
    ["db-s-2vcpu-4gb", 4],
    ["db-s-16vcpu-64gb", 64],
    ["gd-2vcpu-8gb", 8],
    ["not-a-size", 0],
  ])("%s has %i GB", (size, gb) => {
    expect(databaseMemoryGb(size)).toBe(gb);
  });
});

describe("App Platform region of a datacenter", () => {
  it.each([
    ["fra1", "fra"],
    ["nyc3", "nyc"],
    ["ams3", "ams"],
    ["sfo2", "sfo"],
  ])("%s is served from %s", (datacenter, region) => {
    expect(appRegionOf(datacenter)).toBe(region);
  });
});

describe("the datacenter whose VPCs an App Platform app joins", () => {
  it.each([
    ["fra1", "fra1"],
    ["ams2", "ams3"],
    ["nyc3", "nyc1"],
    ["sfo2", "sfo3"],
    ["mars1", undefined],
  ])("for %s is %s", (datacenter, attached) => {
    expect(appDatacenterOf(datacenter)).toBe(attached);
  });
});

describe("database firewall ranges", () => {
  it.each([
    ["203.0.113.7", undefined],
    ["203.0.113.0/24", undefined],
    ["203.0.113.0/32", undefined],
    ["2001:db8::1", undefined],
    ["2001:db8:1:100::/56", undefined],
    ["0.0.0.0/0", "is wider than /24: it would admit 4294967296 addresses"],
    ["10.0.0.0/8", "is wider than /24: it would admit 16777216 addresses"],
    ["203.0.113.0/23", "is wider than /24: it would admit 512 addresses"],
    ["::/0", "is wider than /56: it would admit too many addresses"],
    ["203.0.113.0/33", "has an invalid prefix length /33"],
    ["203.0.113.0/abc", "has an invalid prefix length /abc"],
    ["203.0.113.0/24/8", "is not an IP address or CIDR range"],
    ["example.com", "is not an IP address or CIDR range"],
  ])("%s → %s", (range, problem) => {
    expect(trustedRangeProblem(range)).toBe(problem);
  });
});
