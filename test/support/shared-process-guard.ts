// Set up before every file of the `shared` project (vitest.config.ts), whose files share their
// worker's process. Pulumi keeps its runtime state on `global` (runtime/state.js `globalStore`):
// a file there that installs the mock monitor or sets the stack's config would hand that state to
// the next file in the process. This fails the file that did, naming where it belongs.
import { afterAll, expect } from "vitest";

interface PulumiStore {
  settings?: { monitor?: unknown };
  /** The stack's config and its secret keys, as the engine would pass them; "" outside a run. */
  config?: Record<string, string>;
}

const FIX = "it starts Pulumi's runtime: list it in OWN_PROCESS in vitest.config.ts";

afterAll(() => {
  const store = (globalThis as { globalStore?: PulumiStore }).globalStore;
  expect(store?.settings?.monitor, `A monitor is installed: ${FIX}`).toBeUndefined();
  const configured = Object.entries(store?.config ?? {}).filter(([, value]) => value !== "");
  expect(configured, `Pulumi config is set: ${FIX}`).toEqual([]);
});
