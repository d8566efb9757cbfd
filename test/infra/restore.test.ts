import { describe, expect, it } from "vitest";
import {
  restorePointProblem,
  restoreStamp,
  restoreWindow,
  sameInstant,
  utcTimestamp,
} from "../../infra/data/point-in-time.ts";
import {
  restoredClusterArgsProblems,
  restoredClusterName,
  type RestoredClusterArgs,
} from "../../infra/data/restored-cluster.ts";

const now = new Date("2026-11-03T12:00:00Z");

describe("DigitalOcean's point-in-time recovery window", () => {
  it("is the last 7 days", () => {
    const { earliest, latest } = restoreWindow(now);
    expect(utcTimestamp(earliest)).toBe("2026-10-27T12:00:00Z");
    expect(latest).toBe(now);
  });

  it.each([
    ["2026-10-27T12:00:00Z", undefined],
    ["2026-11-03T13:00:00+01:00", undefined],
    [
      "2026-10-27T11:59:59Z",
      "it is more than 7 days ago: DigitalOcean keeps backups and write-ahead logs that long",
    ],
    ["2026-11-03T12:00:01Z", "it is later than now: nothing is backed up from then yet"],
    ["yesterday", '"yesterday" is no ISO 8601 time'],
  ])("%s → %s", (at, problem) => {
    expect(restorePointProblem(at, now)).toBe(problem);
  });

  it("compares instants, not how they are written", () => {
    expect(sameInstant("2026-11-03T10:15:00Z", "2026-11-03T11:15:00+01:00")).toBe(true);
    expect(sameInstant("2026-11-03T10:15:00Z", "2026-11-03T10:15:01Z")).toBe(false);
    expect(sameInstant("soon", "soon")).toBe(false);
  });
});

describe("a restored cluster", () => {
  const args: RestoredClusterArgs = {
    sourceClusterName: "platform-production",
    at: "2026-11-03T11:15:30+01:00",
    engineVersion: "17",
    region: "fra1",
    size: "db-s-2vcpu-4gb",
    vpcId: "vpc-fra1",
    maintenanceWindow: { day: "sunday", hour: "02:00" },
  };

  it("is named after its source and the restore point in UTC", () => {
    expect(restoreStamp(args.at)).toBe("20261103-101530");
    expect(restoredClusterName(args.sourceClusterName, args.at)).toBe(
      "platform-production-restore-20261103-101530",
    );
  });

  it.each<[Partial<RestoredClusterArgs>, string[]]>([
    [{}, []],
    [
      { at: "last tuesday" },
      ['at is "last tuesday"; give an ISO 8601 time such as 2026-11-03T10:15:00Z'],
    ],
    [
      { sourceClusterName: "p".repeat(40) },
      [
        `sourceClusterName "${"p".repeat(40)}" leaves no valid name for the restored cluster (${"p".repeat(40)}-restore-20261103-101530); DigitalOcean takes 3 to 63 lower-case letters, digits and dashes`,
      ],
    ],
  ])("%# has the problems it should", (change, problems) => {
    expect(restoredClusterArgsProblems({ ...args, ...change })).toEqual(problems);
  });
});
