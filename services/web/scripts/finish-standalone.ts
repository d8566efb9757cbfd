// Runs after `next build` to complete .next/standalone into what the Docker image ships:
// 1. Copies the browser assets (.next/static, public/) in. Next leaves them out expecting a CDN;
//    this sample's server serves them itself. The Dockerfile copies the same folders.
// 2. Copies the production entry, server/main.ts, and what it imports beside server.js: it runs
//    before Next, under Node's own type stripping, so it ships as source; the services' shared
//    runtime (@platform/runtime), which its lib/config.ts imports, as source too, beside the
//    output's node_modules and linked from there (Node strips no types under node_modules); and
//    zod, which both import: Next bundles zod into its own chunks, so the output has no copy a
//    plain import finds. Only zod's ES module build (1.3 MB; no sources, types or CommonJS).
// 3. Removes sharp and its libvips binary (19 MB). Next traces them into every server for the
//    image optimizer, this app has no next/image (next.config.ts: images.unoptimized), and
//    Turbopack's server trace ignores outputFileTracingExcludes (checked with Next 16.4.6).
import {
  cpSync,
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  realpathSync,
  rmSync,
  symlinkSync,
} from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";

const web = path.join(import.meta.dirname, "..");
const standaloneRoot = path.join(web, ".next/standalone");
// Where server.js lands depends on the tracing root (next.config.ts): services/web in the
// workspace, the top of the output in the Docker build. Next records it.
const { relativeAppDir } = JSON.parse(
  readFileSync(path.join(web, ".next/required-server-files.json"), "utf8"),
) as { relativeAppDir: string };
const server = path.join(standaloneRoot, relativeAppDir);
if (!existsSync(path.join(server, "server.js"))) {
  throw new Error(
    `no standalone server at ${server}: did next build run with output "standalone"?`,
  );
}

cpSync(path.join(web, ".next/static"), path.join(server, ".next/static"), { recursive: true });
for (const file of ["server/main.ts", "server/http-hooks.ts", "lib/config.ts", "lib/log.ts"]) {
  cpSync(path.join(web, file), path.join(server, file));
}
const runtime = realpathSync(
  path.dirname(createRequire(import.meta.url).resolve("@platform/runtime/package.json")),
);
const runtimeCopy = path.join(standaloneRoot, "platform-runtime");
for (const part of ["package.json", "src"]) {
  cpSync(path.join(runtime, part), path.join(runtimeCopy, part), { recursive: true });
}
const runtimeLink = path.join(standaloneRoot, "node_modules/@platform/runtime");
rmSync(runtimeLink, { recursive: true, force: true });
mkdirSync(path.dirname(runtimeLink), { recursive: true });
symlinkSync(path.relative(path.dirname(runtimeLink), runtimeCopy), runtimeLink);
const zod = path.dirname(createRequire(import.meta.url).resolve("zod/package.json"));
cpSync(realpathSync(zod), path.join(standaloneRoot, "node_modules/zod"), {
  recursive: true,
  filter: (source) => !/\/src(\/|$)|\.d\.[cm]?ts$|\.cjs$|\.map$/.test(source),
});
if (existsSync(path.join(web, "public"))) {
  cpSync(path.join(web, "public"), path.join(server, "public"), { recursive: true });
}

const store = path.join(standaloneRoot, "node_modules/.pnpm");
const imageOptimizer = /^(sharp@|@img\+)/;
const removed: string[] = [];
for (const entry of existsSync(store) ? readdirSync(store) : []) {
  if (imageOptimizer.test(entry)) {
    rmSync(path.join(store, entry), { recursive: true, force: true });
    removed.push(entry);
  }
}
// The links that pointed into the removed folders: pnpm's hoisted ones, and next's own.
const linkDirs = [
  path.join(store, "node_modules"),
  ...(existsSync(store) ? readdirSync(store) : []).map((entry) =>
    path.join(store, entry, "node_modules"),
  ),
];
for (const dir of linkDirs) {
  for (const link of ["sharp", "@img"]) {
    rmSync(path.join(dir, link), { recursive: true, force: true });
  }
}
console.log(
  JSON.stringify({
    level: "info",
    service: "web",
    msg: "standalone output finished",
    removed,
  }),
);
