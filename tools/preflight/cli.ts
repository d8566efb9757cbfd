// Entry of `pnpm preflight`. Node's compile cache keeps the compiled SDK modules between runs (as
// for `pnpm plan`), so it is switched on before anything else is imported.
import { enableCompileCache } from "node:module";
import { COMPILE_CACHE_DIR } from "../compile-cache.ts";

enableCompileCache(COMPILE_CACHE_DIR);
await import("./main.ts");
