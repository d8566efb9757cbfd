// The floor that `pnpm bench` measures the plan against: every runtime dependency of the program
// loaded the way the program loads it (read from package.json, so that the list cannot fall
// behind): the provider SDKs through `require`, their resource modules left deferred, as
// infra/sdk/ does; the rest (@pulumi/pulumi, zod, the YAML parser…) through `import`; with the same
// compile cache as `pnpm plan`, and nothing registered. What the plan costs above this is the
// program's own work, and the SDK modules of the resources it declares.
// `--eager` imports every dependency instead, firing every SDK getter: what an ES-module program
// pays by default, and what this one paid before infra/sdk/ (the floor #22's target was set on).
import { readFile } from "node:fs/promises";
import { enableCompileCache } from "node:module";
import { isProviderSdk, requireSdk } from "../../infra/sdk/load.ts";
import { COMPILE_CACHE_DIR } from "../compile-cache.ts";

enableCompileCache(COMPILE_CACHE_DIR);
const { dependencies } = JSON.parse(
  await readFile(new URL("../../package.json", import.meta.url), "utf8"),
) as { dependencies: Record<string, string> };
const eager = process.argv.includes("--eager");
for (const name of Object.keys(dependencies)) {
  if (isProviderSdk(name) && !eager) requireSdk(name);
  else await import(name);
}
