// The browser every suite of the front end drives: a Chromium that is already installed (CI uses
// the runner's Google Chrome), never one downloaded by playwright.
import { accessSync, constants } from "node:fs";
import { type Browser, chromium } from "playwright-core";

const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

export function chromiumPath(): string {
  return process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
}

/** Why no browser can start, or undefined when one can. */
export function chromiumProblem(): string | undefined {
  const file = chromiumPath();
  try {
    accessSync(file, constants.X_OK);
    return undefined;
  } catch {
    return `No Chromium at ${file}: install one (apt-get install chromium) or set CHROMIUM_PATH.`;
  }
}

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: chromiumPath(), args: CHROMIUM_ARGS });
}
