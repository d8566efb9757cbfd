// The service catalog's own rules (stacks/config/service-catalog-rules.ts), each both ways, and
// what derives from the catalog without Pulumi: dependency order, probes, image matrix, roles.
import { describe, expect, it } from "vitest";
import { bindingCycle, catalogProblems } from "../../stacks/config/service-catalog-rules.ts";
import {
  type CatalogService,
  catalogService,
  dependencyOrder,
  edgeProbePath,
  imageMatrix,
  probePathOf,
  publicServices,
  SERVICE_CATALOG,
} from "../../stacks/service-catalog.ts";
import { databaseRoleOf, databaseRolesOf } from "../../stacks/service-env.ts";

const web = catalogService("web");
const api = catalogService("api");
const processor = catalogService("processor");

function entry(change: Partial<CatalogService> & Pick<CatalogService, "name">): CatalogService {
  return {
    description: "a test service",
    kind: "internal",
    folder: `services/${change.name}`,
    dockerfile: `services/${change.name}/Dockerfile`,
    port: 3100,
    healthPath: "/healthz",
    uses: { database: "none", services: [], assets: false },
    local: { nodeArgs: ["src/main.ts"] },
    ...change,
  };
}

/** The keys and found texts of the problems of `catalog`. */
const problemsOf = (catalog: readonly CatalogService[]) =>
  catalogProblems(catalog).map(({ key, found }) => `${key}: ${found}`);

describe("the repository's service catalog", () => {
  it("has no problem, and names a web front end, an internal api and a worker", () => {
    expect(catalogProblems(SERVICE_CATALOG)).toEqual([]);
    expect(SERVICE_CATALOG.map(({ name, kind }) => [name, kind])).toEqual([
      ["web", "web"],
      ["api", "internal"],
      ["processor", "worker"],
    ]);
  });

  it("orders each service after those it uses, and finds no cycle", () => {
    expect(dependencyOrder(SERVICE_CATALOG).map((service) => service.name)).toEqual([
      "api",
      "web",
      "processor",
    ]);
    expect(bindingCycle(SERVICE_CATALOG)).toBeUndefined();
    // A binding to nothing, and a cycle, leave the order whole: the rules report them.
    const lonely = entry({
      name: "aa",
      uses: { database: "none", services: ["zz"], assets: false },
    });
    const b = entry({ name: "bb", uses: { database: "none", services: ["cc"], assets: false } });
    const c = entry({ name: "cc", uses: { database: "none", services: ["bb"], assets: false } });
    expect(dependencyOrder([lonely, b, c]).map((service) => service.name)).toEqual([
      "aa",
      "cc",
      "bb",
    ]);
  });

  it("gives the edge the readiness of the service at the root, and each public one a probe", () => {
    expect(edgeProbePath(SERVICE_CATALOG)).toBe("/readyz");
    expect(publicServices(SERVICE_CATALOG)).toEqual([web]);
    expect(probePathOf(entry({ name: "docs", kind: "web", route: "/docs/" }))).toBe(
      "/docs/healthz",
    );
    expect(() => edgeProbePath([api])).toThrow(
      "the service catalog has no web service routed at /",
    );
  });

  it("builds one image per service, and gives a role to each that uses the database", () => {
    expect(imageMatrix().map((row) => row.name)).toEqual(["web", "api", "processor"]);
    expect(databaseRolesOf(SERVICE_CATALOG)).toEqual([
      { role: "api", access: "readwrite" },
      { role: "processor", access: "readwrite" },
    ]);
    expect(databaseRoleOf({ name: "image-resizer" })).toBe("image_resizer");
    expect(() => catalogService("nope")).toThrow("the service catalog has no service nope");
  });
});

describe("catalog rules", () => {
  it.each<[string, CatalogService[], string[]]>([
    [
      "a name App Platform refuses",
      [web, api, processor, entry({ name: "Bad_Name" })],
      ['stacks/service-catalog.ts: Bad_Name.name: "Bad_Name"'],
    ],
    [
      "a database-using name PostgreSQL reserves (pg_ prefix, public, doadmin), and not one without the database",
      [
        web,
        api,
        processor,
        entry({ name: "pg-stats", uses: { database: "read", services: [], assets: false } }),
        entry({ name: "public", uses: { database: "readwrite", services: [], assets: false } }),
        entry({ name: "doadmin", uses: { database: "read", services: [], assets: false } }),
        entry({ name: "pg-proxy" }),
      ],
      [
        'stacks/service-catalog.ts: pg-stats.name: "pg-stats"',
        'stacks/service-catalog.ts: public.name: "public"',
        'stacks/service-catalog.ts: doadmin.name: "doadmin"',
      ],
    ],
    [
      "a kind the catalog does not know",
      [web, api, processor, entry({ name: "cron", kind: "cron" as CatalogService["kind"] })],
      ['stacks/service-catalog.ts: cron.kind: "cron"'],
    ],
    [
      "a database access that is neither none, read nor readwrite",
      [
        web,
        api,
        processor,
        entry({
          name: "admin",
          uses: { database: "owner" as "read", services: [], assets: false },
        }),
      ],
      ['stacks/service-catalog.ts: admin.uses.database: "owner"'],
    ],
    [
      "a worker with a route and a health path",
      [web, api, { ...processor, route: "/jobs", healthPath: "/healthz" }],
      ["stacks/service-catalog.ts: processor.route: route, healthPath on a worker"],
    ],
    [
      "a worker's liveness endpoint on a privileged port and a path without its slash",
      [web, api, { ...processor, liveness: { port: 80, path: "livez" } }],
      [
        "stacks/service-catalog.ts: processor.liveness.port: 80",
        'stacks/service-catalog.ts: processor.liveness.path: "livez"',
      ],
    ],
    [
      "a liveness endpoint on a service, whose health path is its liveness check",
      [web, { ...api, liveness: { port: 3004, path: "/livez" } }, processor],
      ['stacks/service-catalog.ts: api.liveness: liveness on kind "internal"'],
    ],
    [
      "an internal service without a port or a health path",
      [web, api, processor, entry({ name: "search", port: undefined, healthPath: undefined })],
      [
        "stacks/service-catalog.ts: search.port: no port",
        "stacks/service-catalog.ts: search.healthPath: no health path",
      ],
    ],
    [
      "a privileged port and a health path without its slash",
      [web, api, processor, entry({ name: "search", port: 80, healthPath: "healthz" })],
      [
        "stacks/service-catalog.ts: search.port: 80",
        'stacks/service-catalog.ts: search.healthPath: "healthz"',
      ],
    ],
    [
      "a web service without a route, and an internal one with one",
      [
        web,
        api,
        processor,
        entry({ name: "docs", kind: "web" }),
        entry({ name: "search", route: "/s" }),
      ],
      [
        "stacks/service-catalog.ts: docs.route: no route",
        'stacks/service-catalog.ts: search.route: "/s"',
      ],
    ],
    [
      "a web route without its slash",
      [{ ...web, route: "app" }, api, processor, entry({ name: "docs", kind: "web", route: "/" })],
      ['stacks/service-catalog.ts: web.route: "app"'],
    ],
    [
      "a service that uses itself",
      [web, { ...api, uses: { ...api.uses, services: ["api"] } }, processor],
      ['stacks/service-catalog.ts: api.uses.services: "api", itself'],
    ],
    [
      "a binding nothing resembles",
      [{ ...web, uses: { ...web.uses, services: ["api", "billing"] } }, api, processor],
      ['stacks/service-catalog.ts: web.uses.services: "billing", which the catalog does not have'],
    ],
    [
      "two entries of one name",
      [web, api, processor, { ...processor }],
      ["stacks/service-catalog.ts: processor.name: two entries named processor"],
    ],
    [
      "two names that give one database role",
      [web, api, processor, entry({ name: "image-resizer" }), entry({ name: "image_resizer" })],
      [
        "stacks/service-catalog.ts: image_resizer.name: a database role image_resizer, which another service's name gives too",
        'stacks/service-catalog.ts: image_resizer.name: "image_resizer"',
      ],
    ],
    [
      "no web service at /",
      [{ ...web, route: "/app" }, api, processor],
      ["stacks/service-catalog.ts: web.route: no web service routed at /"],
    ],
    [
      "two services that carry the migrations",
      [web, api, { ...processor, migrations: { runCommand: "node src/migrate.ts" } }],
      ["stacks/service-catalog.ts: processor.migrations: migrations in api and processor"],
    ],
    [
      "services that use the database while none carries the migrations",
      [web, { ...api, migrations: undefined }, processor],
      [
        "stacks/service-catalog.ts: api.migrations: no migrations, while api, processor use the database",
      ],
    ],
  ])("refuse %s", (_what, catalog, problems) => {
    expect(problemsOf(catalog)).toEqual(problems);
  });

  it("each say the fix", () => {
    const [problem] = catalogProblems([
      web,
      api,
      processor,
      entry({ name: "search", port: undefined }),
    ]);
    expect(problem).toEqual({
      key: "stacks/service-catalog.ts: search.port",
      found: "no port",
      allowed: "the port the internal service listens on, from 1024 to 65535",
      fix: "set port, e.g. 3002",
    });
  });

  it("find the first cycle of a longer chain", () => {
    const a = entry({ name: "aa", uses: { database: "none", services: ["bb"], assets: false } });
    const b = entry({ name: "bb", uses: { database: "none", services: ["cc"], assets: false } });
    const c = entry({ name: "cc", uses: { database: "none", services: ["aa"], assets: false } });
    expect(bindingCycle([a, b, c])).toEqual(["aa", "bb", "cc", "aa"]);
    expect(bindingCycle([a, b, { ...c, uses: { ...c.uses, services: [] } }])).toBeUndefined();
  });
});
