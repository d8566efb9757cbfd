import type * as DigitalOcean from "@pulumi/digitalocean";
import { requireSdk } from "./load.ts";

/** `@pulumi/digitalocean`, its resource modules loaded on first use (./load.ts says why). */
export const digitalocean = requireSdk("@pulumi/digitalocean") as typeof DigitalOcean;
