// README, "Add a service", followed on a copy of the repository: a folder, one catalog entry and
// its sizing lines in each stack file, and the new service is in both stacks' plans, in every
// region's app, with its image, its database role and its env. Nothing else was edited.
import { execFile } from "node:child_process";
import { cp, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { dump, load } from "js-yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPOSITORY_ROOT } from "../../tools/mock/run-stack.ts";
import type { Manifest } from "../../tools/plan/render.ts";

const run = promisify(execFile);
let copy: string;
const plans = new Map<string, Manifest>();

/** The repository's tracked files, without node_modules, which the copy links to. */
async function copyRepository(): Promise<string> {
  const target = await mkdtemp(path.join(tmpdir(), "add-a-service-"));
  const { stdout } = await run("git", ["ls-files", "-z"], {
    cwd: REPOSITORY_ROOT,
    maxBuffer: 16 * 1024 * 1024,
  });
  for (const file of stdout.split("\0").filter((entry) => entry !== "")) {
    await mkdir(path.dirname(path.join(target, file)), { recursive: true });
    await cp(path.join(REPOSITORY_ROOT, file), path.join(target, file));
  }
  await symlink(path.join(REPOSITORY_ROOT, "node_modules"), path.join(target, "node_modules"));
  return target;
}

/** Step 1: the folder, a workspace package with its Dockerfile (from the processor's). */
async function addFolder(root: string): Promise<void> {
  const folder = path.join(root, "services/notifier");
  await mkdir(folder, { recursive: true });
  for (const file of ["Dockerfile", "Dockerfile.dockerignore"]) {
    const text = await readFile(path.join(root, "services/processor", file), "utf8");
    await writeFile(path.join(folder, file), text.replaceAll("processor", "notifier"));
  }
  const manifest = JSON.parse(
    await readFile(path.join(root, "services/processor/package.json"), "utf8"),
  ) as { name: string };
  await writeFile(
    path.join(folder, "package.json"),
    JSON.stringify({ ...manifest, name: "@platform/notifier" }, null, 2),
  );
}

/** Step 2: one entry in the catalog, appended to its list. */
async function addCatalogEntry(root: string): Promise<void> {
  const file = path.join(root, "stacks/service-catalog.ts");
  const text = await readFile(file, "utf8");
  const end = "\n];\n\n/** The catalog entry named";
  expect(text).toContain(end);
  const entry = `
  {
    name: "notifier",
    description: "Sends a digest of new items; reads, never writes.",
    kind: "worker",
    folder: "services/notifier",
    dockerfile: "services/notifier/Dockerfile",
    uses: { database: "read", services: [], assets: false },
    local: { nodeArgs: ["src/main.ts"] },
  },`;
  await writeFile(file, text.replace(end, `${entry}${end}`));
}

/** Step 3: its size and instances in each stack file, as `pulumi config set --path` writes them. */
async function sizeIt(root: string, stack: string, instances: number): Promise<void> {
  const file = path.join(root, `Pulumi.${stack}.yaml`);
  const document = load(await readFile(file, "utf8")) as {
    config: Record<string, Record<string, unknown>>;
  };
  document.config["platform:services"] = {
    ...document.config["platform:services"],
    notifier: { size: "apps-s-1vcpu-1gb", instances },
  };
  await writeFile(file, dump(document));
}

beforeAll(async () => {
  copy = await copyRepository();
  await addFolder(copy);
  await addCatalogEntry(copy);
  await sizeIt(copy, "staging", 1);
  await sizeIt(copy, "production", 2);
  // Step 4: the plan of each stack.
  await Promise.all(
    ["staging", "production"].map(async (stack) => {
      const { stdout } = await run(process.execPath, ["tools/plan/cli.ts", stack, "--json"], {
        cwd: copy,
        maxBuffer: 64 * 1024 * 1024,
      });
      plans.set(stack, JSON.parse(stdout) as Manifest);
    }),
  );
}, 120_000);

afterAll(async () => {
  await rm(copy, { recursive: true, force: true });
});

interface Spec {
  workers?: {
    name: string;
    instanceSizeSlug: string;
    instanceCount: number;
    envs: { key: string; type: string }[];
  }[];
  jobs?: { envs: { key: string; value: string }[] }[];
}

describe.each([
  ["staging", 1, ["fra"]],
  ["production", 2, ["fra", "ams"]],
])("a service added by the README's steps, in the %s plan", (stack, instances, regions) => {
  const manifest = () => {
    const found = plans.get(stack);
    if (found === undefined) throw new Error(`no plan of ${stack}`);
    return found;
  };
  const apps = () =>
    manifest().resources.filter((resource) => resource.type === "digitalocean:index/app:App");

  it("runs as a worker in every region's app, sized as its stack says", () => {
    expect(
      apps()
        .map((app) => app.name)
        .sort(),
    ).toEqual(regions.map((region) => `app-${region}-app`).sort());
    for (const app of apps()) {
      const worker = (app.inputs.spec as Spec).workers?.find((w) => w.name === "notifier");
      expect(worker).toMatchObject({
        instanceSizeSlug: "apps-s-1vcpu-1gb",
        instanceCount: instances,
      });
      // Its binding's env: a read role reads, and gets no write URL.
      const keys = worker?.envs.map((env) => `${env.key}:${env.type}`) ?? [];
      expect(keys).toContain("DATABASE_READ_URL:SECRET");
      expect(keys).not.toContain("DATABASE_URL:SECRET");
    }
  });

  it("has its image built and pushed, and a database role the migration job grants read", () => {
    const names = manifest().resources.map((resource) => `${resource.type} ${resource.name}`);
    expect(names).toContain("docker:index/image:Image image-notifier-image");
    expect(names).toContain("digitalocean:index/databaseUser:DatabaseUser database-user-notifier");
    for (const app of apps()) {
      const roles = (app.inputs.spec as Spec).jobs?.[0]?.envs.find(
        (env) => env.key === "DATABASE_ROLES",
      )?.value;
      expect(roles).toBe("api=readwrite,processor=readwrite,notifier=read");
    }
    const { platform } = manifest().outputs as { platform: { images: Record<string, unknown> } };
    expect(Object.keys(platform.images).sort()).toEqual(["api", "notifier", "processor", "web"]);
  });
});
