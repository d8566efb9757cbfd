import { describe, expect, it } from "vitest";
import {
  APP_INSTANCE_SIZES,
  DATABASE_SIZES,
  DATACENTER_REGIONS,
  UPTIME_REGIONS,
} from "../../stacks/config/catalog.ts";
import { nearestHour, nearestRegion, nearestSize } from "../../stacks/config/nearest.ts";

const databaseSizes = Object.values(DATABASE_SIZES);

describe("the nearest size", () => {
  it.each([
    ["apps-d-1vcpu-3gb", APP_INSTANCE_SIZES, "apps-d-1vcpu-4gb"],
    ["apps-s-1vcpu-3gb", APP_INSTANCE_SIZES, "apps-s-2vcpu-4gb"],
    ["apps-d-16vcpu-64gb", APP_INSTANCE_SIZES, undefined],
    ["db-s-2vcpu-8gb", databaseSizes, "db-s-4vcpu-8gb"],
    ["db-s-1vcpu-3gb", databaseSizes, "db-s-2vcpu-4gb"],
    ["large", databaseSizes, undefined],
  ] as const)("for %s is %s", (asked, sizes, nearest) => {
    expect(nearestSize(asked, sizes)).toBe(nearest);
  });

  it("never has less vCPU or memory than asked", () => {
    for (const asked of APP_INSTANCE_SIZES) {
      const [, vcpus = "", gb = ""] = /(\d+)vcpu-([\d.]+)gb/.exec(asked) ?? [];
      const nearest = nearestSize(asked, APP_INSTANCE_SIZES) ?? "";
      const [, nearVcpus = "", nearGb = ""] = /(\d+)vcpu-([\d.]+)gb/.exec(nearest) ?? [];
      expect(Number(nearVcpus)).toBeGreaterThanOrEqual(Number(vcpus));
      expect(Number(nearGb)).toBeGreaterThanOrEqual(Number(gb));
    }
  });
});

describe("the nearest region", () => {
  const datacenters = {
    sfo1: "sfo3",
    nyc2: "nyc1",
    ams2: "ams3",
    "eu-west": "ams3",
    "eu-central-1": "fra1",
    "us-west": "sfo3",
    "ap-southeast-1": "sgp1",
    Frankfurt: "fra1",
  };
  it.each(Object.entries(datacenters))("for the datacenter %s is %s", (asked, nearest) => {
    expect(nearestRegion(asked, DATACENTER_REGIONS)).toBe(nearest);
  });

  const probes = {
    "eu-west": "eu_west",
    europe: "eu_west",
    "us-west-2": "us_west",
    mars: undefined,
  };
  it.each(Object.entries(probes))("for the uptime probe %s is %s", (asked, nearest) => {
    expect(nearestRegion(asked, UPTIME_REGIONS)).toBe(nearest);
  });

  it("is a European one for every European way of writing it", () => {
    for (const asked of ["eu-west", "eu-central", "eu-north-1", "europe", "london", "lon2"]) {
      expect(["ams3", "fra1", "lon1"]).toContain(nearestRegion(asked, DATACENTER_REGIONS));
    }
  });

  it("refuses the legacy datacenters", () => {
    expect(DATACENTER_REGIONS).not.toContain("sfo1");
    expect(DATACENTER_REGIONS).not.toContain("nyc2");
    expect(DATACENTER_REGIONS).toContain("sfo3");
  });
});

describe("the nearest whole hour", () => {
  it.each([
    ["2:30", "02:00", /halfway .* the earlier/],
    ["2:20", "02:00", /nearest to 2:20/],
    ["2:40", "03:00", /nearest to 2:40/],
    ["2am", "02:00", /written as HH:00/],
    ["3pm", "15:00", /written as HH:00/],
    ["23:50", "00:00", /nearest/],
    [3, "03:00", /written as HH:00/],
  ] as const)("for %s is %s", (asked, hour, why) => {
    expect(nearestHour(asked)?.hour).toBe(hour);
    expect(nearestHour(asked)?.why).toMatch(why);
  });

  it.each(["25:00", "2:75", "noon"])("is none for %s", (asked) => {
    expect(nearestHour(asked)).toBeUndefined();
  });
});
