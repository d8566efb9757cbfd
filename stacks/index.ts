// Entry of the Pulumi program: validate the stack's config before anything is registered, build
// the platform, and export the one object auditors read.
import { loadStackConfig } from "./config/load.ts";
import { buildPlatform } from "./platform.ts";

export const platform = buildPlatform(loadStackConfig());
