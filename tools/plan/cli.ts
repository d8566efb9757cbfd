// Entry of `pnpm plan`, and the one place it meets its process (tools/process-entry.ts). Node's
// compile cache keeps the compiled SDK modules (and our stripped TypeScript) between runs, so every
// plan after the first skips most of the loading; it is switched on before anything else is
// imported.
import { enableCompileCache } from "node:module";
import { COMPILE_CACHE_DIR } from "../compile-cache.ts";

enableCompileCache(COMPILE_CACHE_DIR);
const { runInThisProcess } = await import("../process-entry.ts");
await runInThisProcess((await import("./plan.ts")).main);
