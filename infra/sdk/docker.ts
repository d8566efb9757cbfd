import type * as Docker from "@pulumi/docker";
import { requireSdk } from "./load.ts";

/** `@pulumi/docker`, its resource modules loaded on first use (./load.ts says why). */
export const docker = requireSdk("@pulumi/docker") as typeof Docker;
