import type * as GitHub from "@pulumi/github";
import { requireSdk } from "./load.ts";

/** `@pulumi/github`, its resource modules loaded on first use (./load.ts says why). */
export const github = requireSdk("@pulumi/github") as typeof GitHub;
