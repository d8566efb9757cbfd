// An App Platform spec as the program hands it to the Pulumi provider (camelCase, Terraform's
// blocks pluralised) turned into the JSON App Platform's API takes, the way the provider itself
// turns it into a request: terraform-provider-digitalocean digitalocean/app/app_spec.go
// `expandAppSpec` fills godo's `AppSpec`, whose JSON tags (godo apps.gen.go) are the API's names.
// What differs from a plain camelCase → snake_case rename:
// - the blocks `domain`, `vpc` (Pulumi: `domainNames`, `vpcs`) become `domains` (the block's
//   `name` is the API's `domain`, `expandAppSpecDomains`) and the one object `vpc`
//   (`expandAppVPC` takes the first block);
// - alerts carry no `destinations` in the API (`expandAppAlerts` sends rule, disabled, operator,
//   value and window; App Platform assigns destinations by a separate call after the deployment);
// - godo drops zero values it tags `omitempty`: `http_port: 0` of an internal-only service
//   (apps.gen.go `HTTPPort int64 json:"http_port,omitempty"`), and empty lists.

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

const snake = (key: string) => key.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** An object's keys renamed, at every depth, and what godo would omit left out. */
function apiObject(value: Record<string, unknown>): Record<string, Json> {
  const entries: [string, Json][] = [];
  for (const [key, item] of Object.entries(value)) {
    if (key === "destinations") continue;
    if (key === "httpPort" && item === 0) continue;
    const converted = apiValue(item);
    if (converted !== undefined) entries.push([snake(key), converted]);
  }
  return Object.fromEntries(entries);
}

function apiValue(value: unknown): Json | undefined {
  if (Array.isArray(value)) {
    const items = value.map(apiValue).filter((item): item is Json => item !== undefined);
    return items.length === 0 ? undefined : items;
  }
  if (isObject(value)) return apiObject(value);
  return typeof value === "string" ||
    typeof value === "number" ||
    typeof value === "boolean" ||
    value === null
    ? value
    : undefined;
}

/**
 * The API's spec for a planned app. `vpcId` replaces the VPC the plan attached (whose id exists
 * only offline) with a real one; undefined sends the spec without a VPC.
 */
export function apiAppSpec(
  spec: Record<string, unknown>,
  vpcId: string | undefined,
): Record<string, Json> {
  const { domainNames, vpcs: _vpcs, ...rest } = spec;
  const body = apiObject(rest);
  const domains = Array.isArray(domainNames)
    ? domainNames.filter(isObject).map(({ name, ...domain }) => ({
        ...apiObject(domain),
        domain: typeof name === "string" ? name : "",
      }))
    : [];
  return {
    ...body,
    ...(domains.length === 0 ? {} : { domains }),
    ...(vpcId === undefined ? {} : { vpc: { id: vpcId } }),
  };
}

/** The VPC id a planned spec attaches, if any. */
export function plannedVpcId(spec: Record<string, unknown>): string | undefined {
  const vpcs = spec.vpcs;
  if (!Array.isArray(vpcs)) return undefined;
  const [first] = vpcs as unknown[];
  return isObject(first) && typeof first.id === "string" ? first.id : undefined;
}
