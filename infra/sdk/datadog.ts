import type * as Datadog from "@pulumi/datadog";
import { requireSdk } from "./load.ts";

/** `@pulumi/datadog`, its resource modules loaded on first use (./load.ts says why). */
export const datadog = requireSdk("@pulumi/datadog") as typeof Datadog;
