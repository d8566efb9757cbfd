// The web's entry in production: `node server/main.ts`, beside Next's standalone server.js (the
// image's CMD; scripts/finish-standalone.ts copies this folder and the lib files it imports there).
// It reads the configuration first, so that a server without its origin lock never starts, hooks
// the HTTP server Next is about to create (server/http-hooks.ts), then runs server.js.
import path from "node:path";
import { pathToFileURL } from "node:url";
import { readWebConfig } from "../lib/config.ts";
import { log } from "../lib/log.ts";
import { installHttpHooks } from "./http-hooks.ts";

// server.js sets NODE_ENV=production itself: the standalone server is a production server,
// whatever the environment says, and its configuration is read as one.
const result = readWebConfig({ ...process.env, NODE_ENV: "production" });
if (!result.ok) {
  log("error", "invalid configuration", { problems: result.problems });
  process.exit(1);
}
installHttpHooks(result.config);
await import(pathToFileURL(path.join(import.meta.dirname, "..", "server.js")).href);
