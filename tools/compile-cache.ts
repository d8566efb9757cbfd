import { fileURLToPath } from "node:url";

/** Where the repository's command-line tools keep Node's compile cache (inside node_modules). */
export const COMPILE_CACHE_DIR = fileURLToPath(
  new URL("../node_modules/.cache/node-compile-cache", import.meta.url),
);
