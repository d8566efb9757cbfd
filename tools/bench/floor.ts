// The floor that `pnpm bench` measures the plan against: the program's dependencies loaded as it
// loads them (./dependencies.ts), and nothing registered. What the plan costs above this is the
// program's own work, and the SDK modules of the resources it declares.
// `--eager` imports every dependency instead (the eager floor).
import { loadDependencies } from "./dependencies.ts";

await loadDependencies({ eager: process.argv.includes("--eager") });
