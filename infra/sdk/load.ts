// The provider SDKs load through `require`, as a CommonJS Pulumi program loads them, and not
// through an ES `import`. Each SDK's entry defers its resource modules behind getters
// (utilities.lazyLoad in every bridged provider's index.js) until a program first touches one; an
// ES import of a CommonJS package reads every export the lexer finds to build the module
// namespace, firing every getter: 2,134 modules loaded where the production plan uses 726, and
// `pnpm plan production --json` 1,059 → 807 ms (`pnpm bench`). A real `pulumi preview` runs this
// same ES-module program, so it gains alike. Types still come from the packages
// (`import type * as Aws from "@pulumi/aws"`); the lint (eslint.config.js) refuses a value import
// of a provider SDK anywhere else.
import { createRequire } from "node:module";

export const requireSdk = createRequire(import.meta.url);

/** Whether a dependency is a provider SDK, loaded only through this folder (not @pulumi/pulumi). */
export function isProviderSdk(packageName: string): boolean {
  return packageName.startsWith("@pulumi/") && packageName !== "@pulumi/pulumi";
}
