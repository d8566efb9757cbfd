// Prints the size of what the web image ships: the standalone output of the last `pnpm build`
// (server, traced node_modules, browser assets), with the largest packages.
//
//   pnpm --filter @platform/web build && pnpm --filter @platform/web size
import { existsSync, lstatSync, readdirSync } from "node:fs";
import path from "node:path";

const standalone = path.join(import.meta.dirname, "../.next/standalone");
if (!existsSync(standalone)) {
  throw new Error(`${standalone} does not exist: run pnpm build first`);
}

/** Bytes on disk of a tree, counting symlinks as links (pnpm's layout links packages). */
function sizeOf(target: string): number {
  const stat = lstatSync(target);
  if (!stat.isDirectory()) return stat.size;
  return readdirSync(target).reduce((sum, entry) => sum + sizeOf(path.join(target, entry)), 0);
}

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1).padStart(6)} MB`;

const store = path.join(standalone, "node_modules/.pnpm");
const packages = existsSync(store)
  ? readdirSync(store)
      .filter((entry) => entry !== "node_modules")
      .map((entry) => ({ name: entry.replace(/_.*$/, ""), bytes: sizeOf(path.join(store, entry)) }))
      .sort((a, b) => b.bytes - a.bytes)
  : [];
const nodeModules = sizeOf(path.join(standalone, "node_modules"));
const staticAssets = [
  path.join(standalone, "services/web/.next/static"),
  path.join(standalone, ".next/static"),
].filter(existsSync);
const assets = staticAssets.reduce((sum, dir) => sum + sizeOf(dir), 0);
const total = sizeOf(standalone);

console.log(`web standalone output (.next/standalone)   ${mb(total)}`);
console.log(`  node_modules (traced dependencies)      ${mb(nodeModules)}`);
console.log(`  browser assets (.next/static)           ${mb(assets)}`);
console.log(`  server code and manifests               ${mb(total - nodeModules - assets)}`);
console.log("  largest packages:");
for (const entry of packages.slice(0, 6)) {
  console.log(`    ${entry.name.padEnd(36)} ${mb(entry.bytes)}`);
}
