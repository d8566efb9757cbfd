/** The stacks test/global-setup.ts plans once per test run: the platform's two and the bootstrap's. */
export const PLANNED_STACKS = ["production", "staging", "identity"] as const;
export type PlannedStack = (typeof PLANNED_STACKS)[number];
