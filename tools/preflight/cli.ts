// Entry of `pnpm preflight`, and the one place it meets its process (tools/process-entry.ts).
// Node's compile cache keeps the compiled SDK modules between runs (as for `pnpm plan`), so it is
// switched on before anything else is imported.
import { enableCompileCache } from "node:module";
import { COMPILE_CACHE_DIR } from "../compile-cache.ts";

enableCompileCache(COMPILE_CACHE_DIR);
const { runInThisProcess } = await import("../process-entry.ts");
const { main } = await import("./main.ts");
// Its plans come from two `pnpm plan` processes (planBoth), not from runs in this one.
await runInThisProcess((tool) => main(tool));
