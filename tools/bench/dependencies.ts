// Every runtime dependency of the program, read from package.json so that the list cannot fall
// behind, loaded the way the program loads it: the provider SDKs through `require`, their resource
// modules left deferred, as infra/sdk/ does; the rest (@pulumi/pulumi, zod, the YAML parser…)
// through `import`; with the same compile cache as `pnpm plan`.
// `eager` imports every dependency instead, firing every SDK getter: what an ES-module program pays
// by default, and what this one paid before infra/sdk/ (the floor #22's target was set on).
import { readFile } from "node:fs/promises";
import { enableCompileCache } from "node:module";
import { isProviderSdk, requireSdk } from "../../infra/sdk/load.ts";
import { COMPILE_CACHE_DIR } from "../compile-cache.ts";

export async function loadDependencies({ eager }: { eager: boolean }): Promise<void> {
  enableCompileCache(COMPILE_CACHE_DIR);
  const { dependencies } = JSON.parse(
    await readFile(new URL("../../package.json", import.meta.url), "utf8"),
  ) as { dependencies: Record<string, string> };
  for (const name of Object.keys(dependencies)) {
    if (isProviderSdk(name) && !eager) requireSdk(name);
    else await import(name);
  }
}
