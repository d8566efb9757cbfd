// DigitalOcean's point-in-time recovery window, and the restore points inside it. Each managed
// PostgreSQL cluster is backed up daily and "retained for seven days", and "Point-in-time-recovery
// (PITR) is limited to the last 7 days" (docs.digitalocean.com/products/databases/postgresql/
// how-to/restore-from-backups and .../postgresql/details/limits); a fork "at a point in time
// within the last 7 days" is refused for "an earlier date" (.../databases/how-to/clusters/
// fork-clusters). Restoring through the API is that fork (`backup_restore`, digitalocean/openapi
// specification/resources/databases/databases_create_cluster.yml: "Creating a database from a
// backup is the same as forking a database in the control panel").

/** Days back from now that a cluster can be restored to. */
export const POINT_IN_TIME_WINDOW_DAYS = 7;

const DAY_MS = 24 * 60 * 60 * 1000;

/** `2026-11-03T10:15:00Z`: ISO 8601 in UTC to the second, as DigitalOcean's API writes times. */
export function utcTimestamp(time: Date): string {
  return `${time.toISOString().slice(0, 19)}Z`;
}

/** The restore points DigitalOcean accepts at `now`: from seven days back to now. */
export function restoreWindow(now: Date): { earliest: Date; latest: Date } {
  return { earliest: new Date(now.getTime() - POINT_IN_TIME_WINDOW_DAYS * DAY_MS), latest: now };
}

/**
 * Why `at` cannot be restored to at `now`, or undefined when it can. `at` is an ISO 8601 time
 * with an offset.
 */
export function restorePointProblem(at: string, now: Date): string | undefined {
  const time = new Date(at);
  if (Number.isNaN(time.getTime())) return `"${at}" is no ISO 8601 time`;
  const { earliest, latest } = restoreWindow(now);
  if (time > latest) return "it is later than now: nothing is backed up from then yet";
  if (time < earliest) {
    return `it is more than ${POINT_IN_TIME_WINDOW_DAYS} days ago: DigitalOcean keeps backups and write-ahead logs that long`;
  }
  return undefined;
}

/** The same instant, whatever the offsets the two times are written with. */
export function sameInstant(first: string, second: string): boolean {
  const [a, b] = [new Date(first).getTime(), new Date(second).getTime()];
  return !Number.isNaN(a) && a === b;
}

/** `20261103-101500` for a restore point: part of a restored cluster's name. */
export function restoreStamp(at: string): string {
  return utcTimestamp(new Date(at)).replace(/[-:]/g, "").replace("T", "-").replace("Z", "");
}
