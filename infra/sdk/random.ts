import type * as Random from "@pulumi/random";
import { requireSdk } from "./load.ts";

/** `@pulumi/random`, its resource modules loaded on first use (./load.ts says why). */
export const random = requireSdk("@pulumi/random") as typeof Random;
