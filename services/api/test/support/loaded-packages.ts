// Preloaded with `node --import` by tests that must know which packages a process loads (telemetry
// off means OpenTelemetry is never even imported). Every module resolution, by `import` or
// `require`, passes this hook; on exit the names of the packages resolved go to stderr as one line:
// `loaded-packages ["fastify","pg",...]`.
import { writeSync } from "node:fs";
import { registerHooks } from "node:module";

export const LOADED_PACKAGES_PREFIX = "loaded-packages ";

const packages = new Set<string>();

registerHooks({
  resolve(specifier, context, nextResolve) {
    const result = nextResolve(specifier, context);
    const at = result.url.lastIndexOf("/node_modules/");
    if (at >= 0) {
      const [scope = "", name = ""] = result.url.slice(at + "/node_modules/".length).split("/");
      packages.add(scope.startsWith("@") ? `${scope}/${name}` : scope);
    }
    return result;
  },
});

process.on("exit", () => {
  writeSync(2, `${LOADED_PACKAGES_PREFIX}${JSON.stringify([...packages].sort())}\n`);
});
