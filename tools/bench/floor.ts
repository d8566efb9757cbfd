// The floor that `pnpm bench` measures the plan against: the same packages imported (the Pulumi
// SDKs and zod), with the same compile cache as `pnpm plan`, and nothing registered. What the plan
// costs above this is the program's own work.
import { enableCompileCache } from "node:module";
import { COMPILE_CACHE_DIR } from "../compile-cache.ts";

enableCompileCache(COMPILE_CACHE_DIR);
await import("@pulumi/pulumi");
await import("@pulumi/aws");
await import("@pulumi/digitalocean");
await import("@pulumi/cloudflare");
await import("@pulumi/docker");
await import("@pulumi/github");
await import("@pulumi/random");
await import("zod");
