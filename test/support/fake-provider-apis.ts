// Local stand-ins for the APIs `pnpm preflight` asks, on 127.0.0.1, each answering as its API
// reference documents (paths, status codes, bodies), for an account described by a `World`:
// - DigitalOcean (digitalocean/openapi specification/resources/**): errors are `{id, message}`,
//   a scope the token lacks answers 403 (shared/responses/forbidden.yml), lists are
//   `{<kind>: [...], links, meta}`, registries_validate_name answers 204 or 409,
//   apps_validate_appSpec answers the proposal with the spec as App Platform would store it.
// - Cloudflare (developers.cloudflare.com/api): every answer is `{success, errors, messages,
//   result}`; an invalid token gets 401 with code 1000, a missing permission 403 with code 10000.
// - GitHub (docs.github.com/rest, 2022-11-28): errors are `{message, documentation_url}`; a
//   repository the token may not see is 404, a permission it lacks 403 "Resource not accessible
//   by personal access token".
// - AWS STS (AWS Query protocol: a form POST, an XML answer as in the GetCallerIdentity API
//   reference's example) and S3 HeadBucket (a status, no body).
// - Pulumi Cloud's GET /api/user (`githubLogin`).
// Every request is recorded, so that a test can show the preflight wrote nothing.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";

export interface World {
  digitalocean: {
    token: string;
    email: string;
    team: { uuid: string; name: string } | undefined;
    /** Read scopes the token lacks (their list calls answer 403). */
    missingScopes: string[];
    registries: string[];
    /** The registries' storage and the tier's; by default a basic tier (overage allowed, as DigitalOcean's basic and professional tiers do), nearly empty. */
    registryStorage?: { usedBytes: number; includedBytes: number; overage: boolean };
    /** What POST /v2/registries/validate-name answers. */
    validateName: 204 | 409 | 403 | 500;
    vpcs: { id: string; name: string; region: string; default: boolean }[];
    apps: { id: string; name: string; alertEmails: string[] }[];
    /** App Platform VPC enabled for the team: the proposal keeps the spec's `vpc`. */
    appPlatformVpc: boolean;
    /** Another app of the team holds the proposed name. */
    appNameTaken: boolean;
    /** Proposals are refused with this status and message. */
    proposeError?: { status: number; message: string };
  };
  aws: {
    accessKeyId: string;
    account: string;
    arn: string;
    /** HeadBucket's status per bucket; any other bucket is 404. */
    buckets: Record<string, 200 | 403 | 301>;
  };
  cloudflare: {
    token: string;
    /** Owned by a user (verified at /user/tokens/verify) or by the account. */
    owner: "user" | "account";
    status: string;
    zone:
      | {
          id: string;
          name: string;
          status: string;
          accountId: string;
          plan: string;
        }
      | undefined;
    /** Paths (after the zone or account id) the token may not read, e.g. `dns_records`. */
    forbidden: string[];
    pools: number;
    /** Rate plans subscribed; `forbidden` when the token lacks Billing Read. */
    subscriptions: { id: string; publicName: string; state: string }[] | "forbidden";
    rulesets: { id: string; name: string; description?: string; kind: string; phase: string }[];
    /** The zone's DNS records; the list answers those of the `name` asked for. By default none. */
    dnsRecords?: { id: string; name: string; type: string; content: string; comment?: string }[];
  };
  github: {
    token: string;
    repository:
      | { owner: string; name: string; private: boolean; ownerType: "Organization" | "User" }
      | undefined;
    /** The owner's plan, shown to its owners; undefined hides it. */
    plan: string | undefined;
    environments: Record<string, { variables: string[]; secrets: string[] } | "forbidden">;
    repositorySecrets: string[] | "forbidden";
  };
  pulumi: { token: string; login: string };
  /**
   * Answers that replace the normal one, by `<provider> <METHOD> <path without query>`, e.g.
   * `do GET /v2/account` → 500 (provider: do, cf, gh, aws, pulumi).
   */
  failures?: Record<string, number>;
}

export interface Recorded {
  method: string;
  path: string;
  /** The request's body, as sent. */
  body: string;
}

export interface FakeProviderApis {
  /** Environment variables that point the preflight at these stand-ins. */
  endpoints: Record<string, string>;
  requests: Recorded[];
  close(): Promise<void>;
}

interface Reply {
  status: number;
  body?: unknown;
  xml?: string;
}

const json = (status: number, body?: unknown): Reply => ({
  status,
  ...(body === undefined ? {} : { body }),
});

function bearer(request: IncomingMessage): string | undefined {
  return /^(?:Bearer|token) (.+)$/.exec(request.headers.authorization ?? "")?.[1];
}

function digitalOcean(
  world: World["digitalocean"],
  request: IncomingMessage,
  path: string,
  body: string,
): Reply {
  if (bearer(request) !== world.token) {
    return json(401, { id: "unauthorized", message: "Unable to authenticate you." });
  }
  const forbidden = json(403, {
    id: "forbidden",
    message: "You do not have permission to perform this action.",
  });
  const list = (scope: string, key: string, items: unknown[]) =>
    world.missingScopes.includes(scope)
      ? forbidden
      : json(200, { [key]: items, links: {}, meta: { total: items.length } });
  const route = `${request.method ?? ""} ${path.replace(/\?.*/, "")}`;
  const storage = world.registryStorage ?? {
    usedBytes: 2 ** 28,
    includedBytes: 5 * 2 ** 30,
    overage: true,
  };
  const alerts = /^GET \/v2\/apps\/([^/]+)\/alerts$/.exec(route);
  if (alerts !== null) {
    const app = world.apps.find((candidate) => candidate.id === alerts[1]);
    return json(200, { alerts: [{ id: "alert-1", emails: app?.alertEmails ?? [] }] });
  }
  switch (route) {
    case "GET /v2/account":
      return json(200, {
        account: {
          droplet_limit: 25,
          floating_ip_limit: 5,
          email: world.email,
          uuid: "b6fr89dbf6d9156cace5f3c78dc9851d957381ef",
          email_verified: true,
          status: "active",
          status_message: "",
          ...(world.team === undefined ? {} : { team: world.team }),
        },
      });
    case "GET /v2/apps":
      return list(
        "app:read",
        "apps",
        world.apps.map(({ id, name }) => ({ id, spec: { name } })),
      );
    case "GET /v2/databases":
      return list("database:read", "databases", []);
    case "GET /v2/registries":
      return list(
        "registry:read",
        "registries",
        world.registries.map((name) => ({
          name,
          region: "fra1",
          storage_usage_bytes: storage.usedBytes,
        })),
      );
    case "GET /v2/registries/subscription":
      return world.missingScopes.includes("registry:read")
        ? forbidden
        : json(200, {
            subscription: {
              tier: {
                name: "Basic",
                slug: "basic",
                included_storage_bytes: storage.includedBytes,
                allow_storage_overage: storage.overage,
                storage_overage_price_in_cents: 2,
              },
            },
          });
    case "GET /v2/vpcs":
      return list("vpc:read", "vpcs", world.vpcs);
    case "GET /v2/vpc_peerings":
      return list("vpc_peering:read", "vpc_peerings", []);
    case "GET /v2/projects":
      return list("project:read", "projects", []);
    case "GET /v2/uptime/checks":
      return list("uptime:read", "checks", []);
    case "GET /v2/regions":
      return list("regions:read", "regions", [{ slug: "fra1", available: true }]);
    case "GET /v2/sizes":
      return list("sizes:read", "sizes", []);
    case "GET /v2/actions":
      return list("actions:read", "actions", []);
    case "POST /v2/registries/validate-name":
      return world.validateName === 204
        ? json(204)
        : json(world.validateName, {
            id: world.validateName === 409 ? "conflict" : "error",
            message: "registry name is not available",
          });
    case "POST /v2/apps/propose": {
      if (world.proposeError !== undefined) {
        return json(world.proposeError.status, {
          id: "invalid_argument",
          message: world.proposeError.message,
        });
      }
      const { spec } = JSON.parse(body) as { spec: Record<string, unknown> };
      const { vpc, ...rest } = spec;
      return json(200, {
        app_is_static: false,
        app_name_available: !world.appNameTaken,
        ...(world.appNameTaken ? { app_name_suggestion: `${String(spec.name)}-2` } : {}),
        existing_static_apps: "0",
        spec: world.appPlatformVpc && vpc !== undefined ? { ...rest, vpc } : rest,
        app_cost: 29,
      });
    }
    default:
      return json(404, {
        id: "not_found",
        message: "The resource you were accessing could not be found.",
      });
  }
}

function cloudflare(world: World["cloudflare"], request: IncomingMessage, path: string): Reply {
  const ok = (result: unknown) => json(200, { success: true, errors: [], messages: [], result });
  const error = (status: number, code: number, message: string) =>
    json(status, { success: false, errors: [{ code, message }], messages: [], result: null });
  if (bearer(request) !== world.token) return error(401, 1000, "Invalid API Token");
  const route = path.replace(/\?.*/, "");
  if (world.forbidden.some((forbidden) => route.endsWith(`/${forbidden}`))) {
    return error(403, 10000, "Authentication error");
  }
  const verified = ok({ id: "f267e341f3dd4697bd3b9f71dd96247f", status: world.status });
  const zone = world.zone;
  const zonePath = zone === undefined ? undefined : `/zones/${zone.id}`;
  const accountPath = `/accounts/${zone?.accountId ?? "none"}`;
  switch (route) {
    case "/user/tokens/verify":
      return world.owner === "user" ? verified : error(401, 1000, "Invalid API Token");
    case `${accountPath}/tokens/verify`:
      return world.owner === "account" ? verified : error(401, 1000, "Invalid API Token");
    case zonePath:
      return zone === undefined
        ? error(403, 9109, "Unauthorized to access requested resource")
        : ok({
            id: zone.id,
            name: zone.name,
            status: zone.status,
            paused: false,
            type: "full",
            name_servers: ["ada.ns.cloudflare.com", "bob.ns.cloudflare.com"],
            account: { id: zone.accountId, name: "Acme" },
            plan: {
              id: `plan-${zone.plan}`,
              name: `${zone.plan[0]?.toUpperCase() ?? ""}${zone.plan.slice(1)} Website`,
              legacy_id: zone.plan,
              is_subscribed: true,
            },
          });
    case `${zonePath ?? "-"}/settings/ssl`:
      return ok({ id: "ssl", value: "full", editable: true });
    case `${zonePath ?? "-"}/dns_records`: {
      const name = new URL(path, "http://fake").searchParams.get("name");
      const records = world.dnsRecords ?? [];
      return ok(name === null ? records.slice(0, 1) : records.filter((r) => r.name === name));
    }
    case `${zonePath ?? "-"}/load_balancers`:
    case `${accountPath}/alerting/v3/policies`:
      return ok([]);
    case `${zonePath ?? "-"}/rulesets`:
      return ok(
        world.rulesets.map((ruleset) => ({
          ...ruleset,
          version: "1",
          last_updated: "2026-11-01T00:00:00Z",
        })),
      );
    case `${accountPath}/load_balancers/pools`:
      return ok(
        Array.from({ length: world.pools }, (_, index) => ({
          id: `pool-${String(index)}`,
          name: `pool-${String(index)}`,
        })),
      );
    case `${accountPath}/subscriptions`:
      return world.subscriptions === "forbidden"
        ? error(403, 10000, "Authentication error")
        : ok(
            world.subscriptions.map(({ id, publicName, state }) => ({
              id: `sub-${id}`,
              rate_plan: { id, public_name: publicName, scope: "account" },
              state,
              frequency: "monthly",
            })),
          );
    default:
      return error(404, 7003, "Could not route to the requested URI");
  }
}

function gitHub(world: World["github"], request: IncomingMessage, path: string): Reply {
  const notFound = json(404, {
    message: "Not Found",
    documentation_url: "https://docs.github.com/rest",
  });
  const notAccessible = json(403, {
    message: "Resource not accessible by personal access token",
    documentation_url: "https://docs.github.com/rest",
  });
  if (bearer(request) !== world.token) {
    return json(401, {
      message: "Bad credentials",
      documentation_url: "https://docs.github.com/rest",
    });
  }
  const repository = world.repository;
  const route = path.replace(/\?.*/, "");
  const repositoryPath =
    repository === undefined ? "-" : `/repos/${repository.owner}/${repository.name}`;
  const environment = /^\/repos\/[^/]+\/[^/]+\/environments\/([^/]+)\/(variables|secrets)$/.exec(
    route,
  );
  if (repository !== undefined && environment !== null && route.startsWith(repositoryPath)) {
    const found = world.environments[decodeURIComponent(environment[1] ?? "")];
    if (found === undefined) return notFound;
    if (found === "forbidden") return notAccessible;
    const names = environment[2] === "variables" ? found.variables : found.secrets;
    return json(200, {
      total_count: names.length,
      [environment[2] ?? ""]: names.map((name) => ({
        name,
        created_at: "2026-11-01T00:00:00Z",
        updated_at: "2026-11-01T00:00:00Z",
      })),
    });
  }
  switch (route) {
    case repositoryPath:
      return repository === undefined
        ? notFound
        : json(200, {
            id: 38426854,
            name: repository.name,
            full_name: `${repository.owner}/${repository.name}`,
            private: repository.private,
            visibility: repository.private ? "private" : "public",
            owner: { login: repository.owner, id: 181728710, type: repository.ownerType },
          });
    case `/orgs/${repository?.owner ?? "-"}`:
      return json(200, {
        login: repository?.owner,
        ...(world.plan === undefined
          ? {}
          : { plan: { name: world.plan, space: 976562499, private_repos: 999999 } }),
      });
    case "/user":
      return json(200, {
        login: repository?.owner,
        ...(world.plan === undefined
          ? {}
          : { plan: { name: world.plan, space: 976562499, private_repos: 9999 } }),
      });
    case `${repositoryPath}/actions/secrets`:
      return world.repositorySecrets === "forbidden"
        ? notAccessible
        : json(200, {
            total_count: world.repositorySecrets.length,
            secrets: world.repositorySecrets.map((name) => ({ name })),
          });
    default:
      return notFound;
  }
}

function aws(world: World["aws"], request: IncomingMessage, path: string, body: string): Reply {
  const signedBy = /Credential=([^/]+)\//.exec(request.headers.authorization ?? "")?.[1];
  if (path.startsWith("/sts")) {
    if (signedBy !== world.accessKeyId || !body.includes("Action=GetCallerIdentity")) {
      return {
        status: 403,
        xml: '<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>InvalidClientTokenId</Code><Message>The security token included in the request is invalid.</Message></Error><RequestId>4c4c3c4a-0000-4000-8000-000000000000</RequestId></ErrorResponse>',
      };
    }
    return {
      status: 200,
      xml: `<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult><Arn>${world.arn}</Arn><UserId>AIDASAMPLEUSERID</UserId><Account>${world.account}</Account></GetCallerIdentityResult><ResponseMetadata><RequestId>01234567-89ab-cdef-0123-456789abcdef</RequestId></ResponseMetadata></GetCallerIdentityResponse>`,
    };
  }
  const bucket = /^\/s3\/([^/?]+)/.exec(path)?.[1] ?? "";
  return { status: signedBy === world.accessKeyId ? (world.buckets[bucket] ?? 404) : 403 };
}

function pulumiCloud(world: World["pulumi"], request: IncomingMessage): Reply {
  if (bearer(request) !== world.token)
    return json(401, {
      code: 401,
      message: "Unauthorized: No credentials provided or are invalid.",
    });
  return json(200, { githubLogin: world.login, name: world.login, organizations: [] });
}

function send(response: ServerResponse, reply: Reply) {
  if (reply.xml !== undefined) {
    response.writeHead(reply.status, { "content-type": "text/xml" });
    response.end(reply.xml);
    return;
  }
  response.writeHead(
    reply.status,
    reply.body === undefined ? {} : { "content-type": "application/json" },
  );
  response.end(reply.body === undefined ? undefined : JSON.stringify(reply.body));
}

/** Starts the stand-ins; each request is answered for the world `current()` returns then. */
export async function startFakeProviderApis(current: () => World): Promise<FakeProviderApis> {
  const requests: Recorded[] = [];
  const server = createServer((request, response) => {
    const world = current();
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const url = request.url ?? "/";
      const body = Buffer.concat(chunks).toString("utf8");
      requests.push({ method: request.method ?? "", path: url, body });
      const [, provider = "", rest = "/"] = /^\/([a-z]+)(\/.*)?$/.exec(url) ?? [];
      const failure =
        world.failures?.[`${provider} ${request.method ?? ""} ${rest.replace(/\?.*/, "")}`];
      if (failure !== undefined) {
        send(response, json(failure, { message: "failure injected by the test" }));
        return;
      }
      const replies: Record<string, () => Reply> = {
        do: () => digitalOcean(world.digitalocean, request, rest, body),
        cf: () => cloudflare(world.cloudflare, request, rest.replace(/^\/client\/v4/, "")),
        gh: () => gitHub(world.github, request, rest),
        aws: () => aws(world.aws, request, rest, body),
        pulumi: () => pulumiCloud(world.pulumi, request),
      };
      send(response, (replies[provider] ?? (() => json(404)))());
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const base = `http://127.0.0.1:${String((server.address() as AddressInfo).port)}`;
  return {
    endpoints: {
      DIGITALOCEAN_API_URL: `${base}/do`,
      CLOUDFLARE_BASE_URL: `${base}/cf/client/v4`,
      GITHUB_BASE_URL: `${base}/gh`,
      AWS_ENDPOINT_URL_STS: `${base}/aws/sts`,
      PULUMI_CLOUD_URL: `${base}/pulumi`,
      S3_ENDPOINT: `${base}/aws/s3`,
    },
    requests,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => {
          if (error === undefined) resolve();
          else reject(error);
        });
      }),
  };
}

export const DEPLOY_VARIABLES = [
  "AWS_ROLE_ARN",
  "AWS_REGION",
  "PULUMI_STACK",
  "PULUMI_BACKEND_URL",
];
export const PROVIDER_SECRETS = [
  "DIGITALOCEAN_TOKEN",
  "CLOUDFLARE_API_TOKEN",
  "PLATFORM_GITHUB_TOKEN",
];

/** The account Pulumi.staging.yaml describes, with every prerequisite in place. */
export function readyStagingWorld(): World {
  const environment = () => ({ variables: [...DEPLOY_VARIABLES], secrets: [...PROVIDER_SECRETS] });
  return {
    digitalocean: {
      token: "dop_v1_ready",
      email: "platform-staging@example.com",
      team: { uuid: "5df3e3004a17e242b7c20ca6c9fc25b701a47ece", name: "acme-staging" },
      missingScopes: [],
      registries: [],
      validateName: 204,
      vpcs: [
        {
          id: "5a4981aa-9653-4bd1-bef5-d6bff52042e4",
          name: "default-fra1",
          region: "fra1",
          default: true,
        },
      ],
      apps: [],
      appPlatformVpc: true,
      appNameTaken: false,
    },
    aws: {
      accessKeyId: "AKIAREADYEXAMPLE",
      account: "111111111111",
      arn: "arn:aws:iam::111111111111:user/platform-admin",
      buckets: { "acme-pulumi-state-staging": 200 },
    },
    cloudflare: {
      token: "cf-ready",
      owner: "user",
      status: "active",
      zone: {
        id: "00112233445566778899aabbccddeeff",
        name: "example-staging.com",
        status: "active",
        accountId: "0123456789abcdef0123456789abcdef",
        plan: "free",
      },
      forbidden: [],
      pools: 0,
      // The add-on's rate plan, found by its name (its id here is illustrative).
      subscriptions: [{ id: "load_balancing_basic", publicName: "Load Balancing", state: "Paid" }],
      rulesets: [],
    },
    github: {
      token: "github_pat_ready",
      repository: { owner: "acme", name: "platform", private: false, ownerType: "Organization" },
      plan: undefined,
      environments: {
        staging: environment(),
        "staging-preview": environment(),
        "staging-drift": environment(),
      },
      repositorySecrets: [],
    },
    pulumi: { token: "pul-ready", login: "platform-admin" },
  };
}

/** The environment that points the preflight at `apis`, with `current`'s credentials. */
export function preflightEnv(
  apis: FakeProviderApis,
  current: World,
  home: string,
  extra: Record<string, string | undefined> = {},
) {
  const { endpoints } = apis;
  return {
    HOME: home,
    PULUMI_HOME: path.join(home, ".pulumi"),
    DIGITALOCEAN_API_URL: endpoints.DIGITALOCEAN_API_URL,
    CLOUDFLARE_BASE_URL: endpoints.CLOUDFLARE_BASE_URL,
    GITHUB_BASE_URL: endpoints.GITHUB_BASE_URL,
    AWS_ENDPOINT_URL_STS: endpoints.AWS_ENDPOINT_URL_STS,
    DIGITALOCEAN_TOKEN: current.digitalocean.token,
    CLOUDFLARE_API_TOKEN: current.cloudflare.token,
    GITHUB_TOKEN: current.github.token,
    GITHUB_OWNER: "acme",
    AWS_ACCESS_KEY_ID: current.aws.accessKeyId,
    AWS_SECRET_ACCESS_KEY: "secret-access-key-example",
    PULUMI_BACKEND_URL: `s3://acme-pulumi-state-staging?region=eu-central-1&endpoint=${encodeURIComponent(endpoints.S3_ENDPOINT ?? "")}&s3ForcePathStyle=true`,
    ...extra,
  };
}
