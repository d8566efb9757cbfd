import type * as Cloudflare from "@pulumi/cloudflare";
import { requireSdk } from "./load.ts";

/** `@pulumi/cloudflare`, its resource modules loaded on first use (./load.ts says why). */
export const cloudflare = requireSdk("@pulumi/cloudflare") as typeof Cloudflare;
