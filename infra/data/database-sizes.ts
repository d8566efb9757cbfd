/** DigitalOcean offers standby nodes only on sizes with at least this much memory. */
export const STANDBY_MIN_MEMORY_GB = 2;

/** Memory of a managed database size in GB, read from its slug (`db-s-2vcpu-4gb` → 4; 0 if none). */
export function databaseMemoryGb(size: string): number {
  const match = /-(\d+)gb$/.exec(size);
  return match?.[1] === undefined ? 0 : Number(match[1]);
}

/** DigitalOcean allows 25 connections per GB of a PostgreSQL size, and keeps 3 for itself. */
export function connectionLimit(size: string): number {
  return 25 * databaseMemoryGb(size) - 3;
}
