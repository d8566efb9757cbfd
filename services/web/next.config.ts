import { existsSync } from "node:fs";
import path from "node:path";
import type { NextConfig } from "next";
import { PHASE_DEVELOPMENT_SERVER } from "next/constants";
import { STATIC_SECURITY_HEADERS } from "./lib/security-headers";

/**
 * File tracing must start where node_modules is rooted, or the standalone output misses
 * dependencies: the repository root in the workspace, or this folder itself once `pnpm deploy`
 * has isolated it with its own lockfile (the Docker build).
 */
function lockfileRoot(start: string): string {
  for (let dir = start; path.dirname(dir) !== dir; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, "pnpm-lock.yaml"))) return dir;
  }
  return start;
}

const workspaceRoot = lockfileRoot(import.meta.dirname);

/**
 * Hostnames whose pages may call Server Actions although the request's Host differs. Behind the
 * platform's load balancer, the app receives its own `*.ondigitalocean.app` Host while browsers
 * send `Origin: https://app.example.com`, which Next's CSRF check would otherwise refuse. Read at
 * build time: the stack passes the public hostname as a build argument.
 */
const allowedOrigins = (process.env.SERVER_ACTIONS_ALLOWED_ORIGINS ?? "")
  .split(",")
  .map((origin) => origin.trim())
  .filter((origin) => origin !== "");

const config: NextConfig = {
  output: "standalone",
  outputFileTracingRoot: workspaceRoot,
  turbopack: { root: workspaceRoot },
  poweredByHeader: false,
  // No next/image here, so no image optimizer; scripts/finish-standalone.ts removes the sharp
  // binaries Next traces into the server anyway.
  images: { unoptimized: true },
  reactStrictMode: true,
  // The services' shared runtime ships as TypeScript source (services/shared): Next compiles it.
  transpilePackages: ["@platform/runtime"],
  experimental: { serverActions: { allowedOrigins } },
  // On every response, static files included; the CSP comes from proxy.ts (it has a nonce).
  headers: () =>
    Promise.resolve([
      {
        source: "/:path*",
        headers: Object.entries(STATIC_SECURITY_HEADERS).map(([key, value]) => ({ key, value })),
      },
    ]),
};

/**
 * Hosts besides `localhost` whose pages may load the dev server's own resources (`/_next/*`, the
 * hot-reload socket). `pnpm dev` prints and serves http://127.0.0.1:3000, and `next dev` without
 * `--hostname` admits only `localhost` and `*.localhost` (next/dist/server/lib/router-utils/
 * block-cross-site-dev.js): it refuses the page's own hot reload with 403 and logs "Blocked
 * cross-origin request to Next.js dev resource". Development only: production has no such routes.
 */
const DEV_ORIGINS = ["127.0.0.1"];

/** The config for Next's `phase` (next/constants): the dev server also admits DEV_ORIGINS. */
export default function nextConfig(phase: string): NextConfig {
  return phase === PHASE_DEVELOPMENT_SERVER
    ? { ...config, allowedDevOrigins: DEV_ORIGINS }
    : config;
}
