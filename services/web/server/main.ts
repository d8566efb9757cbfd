// The web's entry in production: `node server/main.ts`, beside Next's standalone server.js (the
// image's CMD; scripts/finish-standalone.ts copies this folder and the lib files it imports there).
// It reads the configuration first, so that a server without its origin lock never starts, hooks
// the HTTP server Next is about to create (server/http-hooks.ts), then runs server.js.
import path from "node:path";
import { pathToFileURL } from "node:url";
import { ConfigError, parseWebConfig } from "../lib/config.ts";
import { log } from "../lib/log.ts";
import { installHttpHooks } from "./http-hooks.ts";

function readConfig() {
  try {
    // server.js sets NODE_ENV=production itself: the standalone server is a production server,
    // whatever the environment says, and its configuration is read as one.
    return parseWebConfig({ ...process.env, NODE_ENV: "production" });
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    log("error", "invalid configuration", { problems: error.problems });
    process.exit(1);
  }
}

installHttpHooks(readConfig());
await import(pathToFileURL(path.join(import.meta.dirname, "..", "server.js")).href);
