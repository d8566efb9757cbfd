// The floor that `pnpm bench` measures the plan against: every runtime dependency of the program
// imported (the Pulumi SDKs, zod, the YAML parser…, read from package.json so that the list cannot
// fall behind), with the same compile cache as `pnpm plan`, and nothing registered. What the plan
// costs above this is the program's own work.
import { readFile } from "node:fs/promises";
import { enableCompileCache } from "node:module";
import { COMPILE_CACHE_DIR } from "../compile-cache.ts";

enableCompileCache(COMPILE_CACHE_DIR);
const { dependencies } = JSON.parse(
  await readFile(new URL("../../package.json", import.meta.url), "utf8"),
) as { dependencies: Record<string, string> };
for (const name of Object.keys(dependencies)) await import(name);
