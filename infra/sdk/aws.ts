import type * as Aws from "@pulumi/aws";
import { requireSdk } from "./load.ts";

/** `@pulumi/aws`, its resource modules loaded on first use (./load.ts says why). */
export const aws = requireSdk("@pulumi/aws") as typeof Aws;
