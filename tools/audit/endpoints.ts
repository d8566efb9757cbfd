// What the internet can reach, host by host and path by path, and what stands in the way: the
// edge (Cloudflare's TLS, WAF and rate limit), an origin lock (the secret header the edge adds, or
// a bucket policy that admits Cloudflare's ranges only), or nothing.
import type { DataSection } from "./data.ts";
import type { PlatformFacts } from "./outputs.ts";

type Guard = "edge" | "origin lock" | "none";
const row = (host: string, path: string, serves: string, guard: Guard, how: string) => ({
  host,
  path,
  serves,
  guard,
  how,
});

/**
 * App Platform forwards a route's requests with the route's prefix trimmed (the App spec
 * reference, `ingress.rules[].component.preserve_path_prefix`: "By default, the HTTP request path
 * will be trimmed from the left when forwarded to the component"), so a service's health path is
 * public under its route.
 */
const publicPath = (route: string, path: string) =>
  route === "/" ? path : `${route.replace(/\/$/, "")}${path}`;

function edgeRows({ edge, apps = [] }: PlatformFacts, buckets: DataSection["buckets"]) {
  if (edge === undefined) return [];
  const { tls, waf, rateLimit, loadBalancer, originLock } = edge;
  // Minimum TLS is a zone setting and the managed WAF rulesets run on every request (expression
  // "true"); the rate limit counts what its expression matches: one host, or every host of the
  // zone when it names none (on Cloudflare's Free plan it matches the path alone). See
  // infra/edge/edge-rules.ts.
  const limited = (host: string) =>
    !rateLimit.counts.includes("http.host") || rateLimit.counts.includes(`"${host}"`);
  const guards = (host: string) =>
    `Cloudflare: TLS ${tls.minTlsVersion} or newer, managed WAF (${waf.managedRulesets.join(", ")})${limited(host) ? `, rate limit ${rateLimit.requests} requests per ${rateLimit.periodSeconds} s on ${rateLimit.counts}` : ""}`;
  const routes = new Map(
    apps.flatMap((app) => app.services).map((s) => [s.exposure, s.name] as const),
  );
  const lb = loadBalancer.hostname;
  const served = `of ${apps.map((app) => app.name).join(", ")}, load-balanced`;
  return [
    ...[...routes]
      .filter(([route]) => route.startsWith("/"))
      .map(([route, service]) =>
        row(
          lb,
          route,
          `${service} ${served}`,
          "edge",
          `${guards(lb)}; then the origin lock (the edge adds ${originLock.header})`,
        ),
      ),
    ...edge.records.map((host) => {
      const bucket = buckets.some((b) => b.name === host)
        ? `S3 bucket ${host}`
        : "a proxied record";
      return row(host, "/", bucket, "edge", guards(host));
    }),
  ];
}

export function publicEndpoints(platform: PlatformFacts, buckets: DataSection["buckets"]) {
  const apps = platform.apps ?? [];
  const header = platform.edge?.originLock.header ?? "origin-lock";
  const originRows = apps.flatMap((app) => {
    // The services answer their health path without the header: App Platform's own health
    // check calls it directly (each service exempts its health path from the origin lock).
    const health = app.services
      .filter((s) => s.exposure.startsWith("/"))
      .map((s) => ({ path: publicPath(s.exposure, s.healthCheck.path), service: s.name }));
    const locked = health.length === 0 ? "all" : `all but ${health.map((h) => h.path).join(", ")}`;
    return [
      row(
        app.originHost,
        locked,
        `app ${app.name}`,
        "origin lock",
        `refused (403) without the ${header} header`,
      ),
      ...health.map(({ path, service }) =>
        row(
          app.originHost,
          path,
          `health check of ${service}`,
          "none",
          "answers liveness only; App Platform's health check calls it without the header",
        ),
      ),
    ];
  });
  const bucketRows = buckets.flatMap((b) =>
    b.policy
      .filter((s) => s.effect === "Allow" && s.principal === "anyone")
      .map((s) => {
        const host = `${b.name}.s3.${b.region === null ? "" : `${b.region}.`}amazonaws.com`;
        const locked = s.conditions.some((c) => c.startsWith("source IP in"));
        const when = s.conditions.length === 0 ? "" : ` only when ${s.conditions.join(" and ")}`;
        return row(
          host,
          "objects",
          `S3 bucket ${b.name}`,
          locked ? "origin lock" : "none",
          `bucket policy: ${s.actions.join(", ")}${when}`,
        );
      }),
  );
  return {
    public: [...edgeRows(platform, buckets), ...originRows, ...bucketRows],
    /** Services without a route: only the app's other components reach them. */
    internal: [
      ...new Set(
        apps
          .flatMap((app) => app.services.filter((s) => !s.exposure.startsWith("/")))
          .map((s) => s.name),
      ),
    ],
  };
}
