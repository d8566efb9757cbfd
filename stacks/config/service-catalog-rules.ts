// What the service catalog (stacks/service-catalog.ts) must hold to before anything derives from
// it: each rule is one pure check over the whole list, and each problem names the entry, what is
// wrong and the edit that fixes it. The config loader reports them with the stack's own problems,
// before a single resource is registered.
import { SERVICE_KINDS, type CatalogService, type ServiceKind } from "../service-catalog.ts";
import type { ConfigProblem } from "./config-problem.ts";
import { resemblingKey } from "./nearest.ts";

export const CATALOG_FILE = "stacks/service-catalog.ts";

/** App Platform component names: 2 to 32 lower-case letters, digits and dashes. */
const NAME = /^[a-z][a-z0-9-]{0,30}[a-z0-9]$/;

const ACCESS = ["none", "read", "readwrite"];

/** Role names a managed PostgreSQL cluster already has, or GRANT reads as a keyword. */
const RESERVED_ROLES = ["public", "none", "postgres", "doadmin"];

function problem(
  service: string,
  field: string,
  found: string,
  allowed: string,
  fix: string,
): ConfigProblem {
  return { key: `${CATALOG_FILE}: ${service}.${field}`, found, allowed, fix };
}

/** A port a non-root process can listen on: 1024 to 65535. */
const isUnprivilegedPort = (port: number | undefined): boolean =>
  port !== undefined && Number.isInteger(port) && port >= 1024 && port <= 65_535;

function shapeProblems(service: CatalogService): ConfigProblem[] {
  const found: ConfigProblem[] = [];
  const { name, kind } = service;
  if (!NAME.test(name)) {
    found.push(
      problem(
        name,
        "name",
        JSON.stringify(name),
        "2 to 32 lower-case letters, digits and dashes, starting with a letter: App Platform's component names",
        `rename the entry, e.g. "${name.toLowerCase().replaceAll(/[^a-z0-9-]/g, "-")}"`,
      ),
    );
  }
  // A database-using service's name is its PostgreSQL role (`-` as `_`): PostgreSQL reserves the
  // `pg_` prefix for its own roles (CREATE ROLE refuses it), `public` and `none` are keywords of
  // GRANT, and `doadmin`/`postgres` are the managed cluster's own users.
  const role = name.replaceAll("-", "_");
  if (
    service.uses.database !== "none" &&
    (role.startsWith("pg_") || RESERVED_ROLES.includes(role))
  ) {
    found.push(
      problem(
        name,
        "name",
        JSON.stringify(name),
        `a name that is not a reserved PostgreSQL role: no "pg-" prefix, none of ${RESERVED_ROLES.join(", ")}`,
        `rename the entry, e.g. "${name.replace(/^pg-/, "")}-service"`,
      ),
    );
  }
  if (!(SERVICE_KINDS as readonly string[]).includes(kind)) {
    found.push(
      problem(name, "kind", JSON.stringify(kind), `one of ${SERVICE_KINDS.join(", ")}`, `set kind`),
    );
    return found;
  }
  if (!ACCESS.includes(service.uses.database)) {
    found.push(
      problem(
        name,
        "uses.database",
        JSON.stringify(service.uses.database),
        `one of ${ACCESS.join(", ")}`,
        'set uses.database to "none" unless the service reads ("read") or writes ("readwrite") rows',
      ),
    );
  }
  if (kind === "worker") {
    const listening = (
      ["port", "route", "healthPath", "readinessPath", "apmMonitors"] as const
    ).filter((key) => service[key] !== undefined);
    if (listening.length > 0) {
      found.push(
        problem(
          name,
          String(listening[0]),
          `${listening.join(", ")} on a worker`,
          "no port, route, health path or APM monitors of server spans: a worker is a background process that nothing calls",
          `remove ${listening.join(", ")} from ${name}, or make it kind "internal" if other services call it`,
        ),
      );
    }
    return [...found, ...livenessProblems(service)];
  }
  if (service.liveness !== undefined) {
    found.push(
      problem(
        name,
        "liveness",
        `liveness on kind "${kind}"`,
        "liveness on workers only: a service's healthPath is App Platform's liveness check",
        `remove liveness from ${name}; its healthPath is checked already`,
      ),
    );
  }
  if (!isUnprivilegedPort(service.port)) {
    found.push(
      problem(
        name,
        "port",
        service.port === undefined ? "no port" : String(service.port),
        `the port the ${kind} service listens on, from 1024 to 65535`,
        `set port, e.g. 3002`,
      ),
    );
  }
  if (service.healthPath?.startsWith("/") !== true) {
    found.push(
      problem(
        name,
        "healthPath",
        service.healthPath === undefined ? "no health path" : JSON.stringify(service.healthPath),
        "a path starting with /: App Platform's health check asks it",
        'set healthPath: "/healthz"',
      ),
    );
  }
  if (kind === "web" && service.route?.startsWith("/") !== true) {
    found.push(
      problem(
        name,
        "route",
        service.route === undefined ? "no route" : JSON.stringify(service.route),
        "a public path prefix starting with /: a web service is routed",
        `set route, e.g. "/${name}", or make it kind "internal"`,
      ),
    );
  }
  if (kind === "internal" && service.route !== undefined) {
    found.push(
      problem(
        name,
        "route",
        JSON.stringify(service.route),
        "no route: an internal service is reachable only by the app's other components",
        `remove route, or make it kind "web"`,
      ),
    );
  }
  return found;
}

/** A worker's liveness endpoint, when it has one: a port of its own and a path. */
function livenessProblems({ name, liveness }: CatalogService): ConfigProblem[] {
  if (liveness === undefined) return [];
  const { port, path } = liveness;
  return [
    ...(isUnprivilegedPort(port)
      ? []
      : [
          problem(
            name,
            "liveness.port",
            String(port),
            "the port the worker's liveness endpoint listens on, from 1024 to 65535",
            "set liveness.port, e.g. 3003",
          ),
        ]),
    ...(path.startsWith("/")
      ? []
      : [
          problem(
            name,
            "liveness.path",
            JSON.stringify(path),
            "a path starting with /: App Platform's liveness check asks it",
            'set liveness.path: "/livez"',
          ),
        ]),
  ];
}

function sharedRouteProblems(catalog: readonly CatalogService[]): ConfigProblem[] {
  const byRoute = new Map<string, string[]>();
  for (const service of catalog) {
    if (service.kind !== "web" || service.route === undefined) continue;
    byRoute.set(service.route, [...(byRoute.get(service.route) ?? []), service.name]);
  }
  return [...byRoute].flatMap(([route, [, second, ...others]]) => {
    if (second === undefined) return [];
    const names = [...(byRoute.get(route) ?? [])].join(" and ");
    return [
      problem(
        second,
        "route",
        `${JSON.stringify(route)}, the route of ${names}`,
        "a route of its own: App Platform sends each path prefix to one component",
        `give ${[second, ...others].join(" and ")} another route, e.g. "/${second}"`,
      ),
    ];
  });
}

function bindingProblems(catalog: readonly CatalogService[]): ConfigProblem[] {
  const names = catalog.map((service) => service.name);
  const kinds = new Map<string, ServiceKind>(
    catalog.map((service) => [service.name, service.kind]),
  );
  return catalog.flatMap((service) =>
    service.uses.services.flatMap((used): ConfigProblem[] => {
      const kind = kinds.get(used);
      if (kind === undefined) {
        const meant = resemblingKey(used, names);
        return [
          problem(
            service.name,
            "uses.services",
            `"${used}", which the catalog does not have${meant === undefined ? "" : `: did you mean "${meant}"?`}`,
            `names of catalog services: ${names.join(", ")}`,
            meant === undefined
              ? `remove "${used}" from ${service.name}.uses.services, or add its entry to the catalog`
              : `replace "${used}" with "${meant}" in ${service.name}.uses.services`,
          ),
        ];
      }
      if (used === service.name) {
        return [
          problem(
            service.name,
            "uses.services",
            `"${used}", itself`,
            "other services: a service reaches itself without a binding",
            `remove "${used}" from ${service.name}.uses.services`,
          ),
        ];
      }
      if (kind === "worker") {
        return [
          problem(
            service.name,
            "uses.services",
            `"${used}", a worker`,
            "services with a port (web or internal): nothing can call a worker",
            `remove "${used}" from ${service.name}.uses.services; hand the worker work through the database instead`,
          ),
        ];
      }
      return [];
    }),
  );
}

/** The first cycle of bindings, as the names along it (the first repeated at the end). */
export function bindingCycle(catalog: readonly CatalogService[]): string[] | undefined {
  const byName = new Map(catalog.map((service) => [service.name, service]));
  const done = new Set<string>();
  const walk = (name: string, path: readonly string[]): string[] | undefined => {
    if (path.includes(name)) return [...path.slice(path.indexOf(name)), name];
    if (done.has(name)) return undefined;
    const service = byName.get(name);
    for (const used of service?.uses.services ?? []) {
      if (used === name) continue;
      const cycle = walk(used, [...path, name]);
      if (cycle !== undefined) return cycle;
    }
    done.add(name);
    return undefined;
  };
  for (const service of catalog) {
    const cycle = walk(service.name, []);
    if (cycle !== undefined) return cycle;
  }
  return undefined;
}

function cycleProblems(catalog: readonly CatalogService[]): ConfigProblem[] {
  const cycle = bindingCycle(catalog);
  if (cycle === undefined) return [];
  const [first = "", second = ""] = cycle;
  return [
    problem(
      first,
      "uses.services",
      `a cycle: ${cycle.join(" → ")}`,
      "bindings without a cycle: each service starts after the services it uses, and is ready only when they are",
      `remove "${second}" from ${first}.uses.services (or break the cycle elsewhere)`,
    ),
  ];
}

function catalogWideProblems(catalog: readonly CatalogService[]): ConfigProblem[] {
  const found: ConfigProblem[] = [];
  const names = catalog.map((service) => service.name);
  const repeated = names.find((name, index) => names.indexOf(name) !== index);
  if (repeated !== undefined) {
    found.push(
      problem(
        repeated,
        "name",
        `two entries named ${repeated}`,
        "one entry per service: the name is its component, image and config key",
        `rename or remove one of the two ${repeated} entries`,
      ),
    );
  }
  const roles = names.map((name) => name.replaceAll("-", "_"));
  const clash = roles.find((role, index) => roles.indexOf(role) !== index);
  if (clash !== undefined && repeated === undefined) {
    found.push(
      problem(
        String(names[roles.lastIndexOf(clash)]),
        "name",
        `a database role ${clash}, which another service's name gives too`,
        "names that differ by more than - and _: each becomes its service's database role",
        "rename one of the two services",
      ),
    );
  }
  if (!catalog.some((service) => service.kind === "web" && service.route === "/")) {
    found.push(
      problem(
        String(catalog.find((service) => service.kind === "web")?.name),
        "route",
        "no web service routed at /",
        "one web service at /: the app's hostname and the load balancer's monitors answer there",
        'give the front end route: "/"',
      ),
    );
  }
  const owners = catalog.filter((service) => service.migrations !== undefined);
  const usesDatabase = catalog.filter((service) => service.uses.database !== "none");
  if (owners.length > 1) {
    found.push(
      problem(
        String(owners[1]?.name),
        "migrations",
        `migrations in ${owners.map((service) => service.name).join(" and ")}`,
        "one service whose image carries the migrations: one job migrates the one schema",
        `remove migrations from ${String(owners[1]?.name)}`,
      ),
    );
  }
  if (owners.length === 0 && usesDatabase.length > 0) {
    found.push(
      problem(
        String(usesDatabase[0]?.name),
        "migrations",
        `no migrations, while ${usesDatabase.map((service) => service.name).join(", ")} use the database`,
        "one service whose image carries the migrations: the job that runs them grants every service's role",
        `add migrations: { runCommand: "node src/migrate-cli.ts" } to the service that owns the schema`,
      ),
    );
  }
  return found;
}

/** Every problem of the catalog; empty when everything can derive from it. */
export function catalogProblems(catalog: readonly CatalogService[]): ConfigProblem[] {
  return [
    ...catalogWideProblems(catalog),
    ...catalog.flatMap(shapeProblems),
    ...sharedRouteProblems(catalog),
    ...bindingProblems(catalog),
    ...cycleProblems(catalog),
  ];
}
