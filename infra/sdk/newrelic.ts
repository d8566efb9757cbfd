import type * as NewRelic from "@pulumi/newrelic";
import { requireSdk } from "./load.ts";

/** `@pulumi/newrelic`, its resource modules loaded on first use (./load.ts says why). */
export const newrelic = requireSdk("@pulumi/newrelic") as typeof NewRelic;
