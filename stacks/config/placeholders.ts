// Example values: what the repository ships in its stack files and in the schema's examples (the
// README's config reference and every suggested fix come from those), and values that can only be
// examples (reserved domains, documentation address ranges, ids typed as a counting pattern). The
// offline plan runs on them; a real `pulumi preview` or `up` must not: it would ask DigitalOcean
// for the team `acme-production` and Cloudflare for a zone nobody owns, after registering half a
// stack. One table, each entry saying what belongs there and where to find it.
//
// Under the real engine the program stops on them before it registers anything (`refuseExampleValues`
// in load.ts, called first by stacks/index.ts); under the mock runtime (`pnpm plan`, the tests) it
// runs, and the plan warns with their count and keys.
import * as pulumi from "@pulumi/pulumi";
// The class `setMocks` installs as the resource monitor: its own module of the SDK, which the
// SDK's runtime index loads already (runtime/index.js re-exports `setMocks` from it).
import { MockMonitor } from "@pulumi/pulumi/runtime/mocks.js";
import type { ConfigProblem } from "./config-problem.ts";
import { anyIndex, configPath, leafPaths, valueAt } from "./config-path.ts";
import { configValue } from "./stack-file.ts";

export interface ExampleValue {
  /** The config path in `pulumi config set --path` syntax; `[]` stands for every item of a list. */
  path: string;
  /** What belongs there instead, in a few words (it stands in the suggested fix). */
  realValue: string;
  /** Where to find the real value. */
  whereToFind: string;
  /** Whether `value` is an example rather than somebody's real value. */
  isExample: (value: string) => boolean;
}

/**
 * Domains reserved for documentation and testing, which nobody can own: RFC 2606 (`example`,
 * `example.com`, `.net`, `.org`, `test`, `invalid`, `localhost`), and the staging domain the
 * repository's staging stack ships with.
 */
const EXAMPLE_DOMAINS = ["example.com", "example.net", "example.org", "example-staging.com"];
const RESERVED_TOP_LEVEL = ["example", "test", "invalid", "localhost"];

/** Whether `host` is, or lies under, a domain nobody can own (or the shipped staging domain). */
export function isExampleHost(host: string): boolean {
  const name = host.trim().toLowerCase().replace(/\.$/, "");
  const topLevel = name.split(".").at(-1) ?? "";
  return (
    RESERVED_TOP_LEVEL.includes(topLevel) ||
    EXAMPLE_DOMAINS.some((domain) => name === domain || name.endsWith(`.${domain}`))
  );
}

/**
 * Whether an id reads as typed rather than issued: its characters never go down (`0011…eeff`,
 * `111111111111`), never go up, or count up or down by one around the alphabet (`0123…ef0123…`,
 * `fedc…`, AWS's documentation account `123456789012`). Issued ids are random: a 12-digit one
 * reads like this about once in a million, a 32-hex-digit one practically never.
 */
export function looksTyped(id: string, alphabet: string): boolean {
  const digits = Array.from(id.toLowerCase(), (character) => alphabet.indexOf(character));
  if (digits.length < 2 || digits.includes(-1)) return false;
  const size = alphabet.length;
  const steps = digits.slice(1).map((digit, index) => (digit - (digits[index] ?? 0) + size) % size);
  const rising = digits.every((digit, index) => index === 0 || digit >= (digits[index - 1] ?? 0));
  const falling = digits.every((digit, index) => index === 0 || digit <= (digits[index - 1] ?? 0));
  return (
    rising ||
    falling ||
    steps.every((step) => step === 1) ||
    steps.every((step) => step === size - 1)
  );
}

const HEX = "0123456789abcdef";
const DECIMAL = "0123456789";

/** Exactly one of `values`. */
const oneOf =
  (...values: string[]) =>
  (value: string) =>
    values.includes(value);

/** RFC 5737 (IPv4) and RFC 3849 (IPv6) documentation ranges: they reach nobody. */
function isDocumentationRange(range: string): boolean {
  return /^(192\.0\.2|198\.51\.100|203\.0\.113)\.\d{1,3}(\/\d+)?$|^2001:db8:/i.test(range.trim());
}

const CLOUDFLARE_ID_WHERE =
  "the Cloudflare dashboard: the zone's Overview page, API section (Zone ID and Account ID)";
const HOST_WHERE =
  "a domain of your own whose zone is active in your Cloudflare account (dashboard: Domains); each stack needs a zone of its own";

/** Every example value the config can hold, by key. */
export const EXAMPLE_VALUES: readonly ExampleValue[] = [
  {
    path: "digitalocean.team",
    realValue: "your DigitalOcean team for this environment",
    whereToFind:
      "the team's name in the DigitalOcean control panel's team switcher, or its UUID (GET /v2/account with one of the team's tokens answers account.team.name and .uuid)",
    isExample: oneOf("acme-staging", "acme-production"),
  },
  {
    path: "domain.zone",
    realValue: "your domain",
    whereToFind: HOST_WHERE,
    isExample: isExampleHost,
  },
  {
    path: "domain.appHost",
    realValue: "the app's hostname in your zone",
    whereToFind: `app.<domain.zone>, in ${HOST_WHERE}`,
    isExample: isExampleHost,
  },
  {
    path: "domain.assetsHost",
    realValue: "the assets hostname in your zone",
    whereToFind: `assets.<domain.zone>, in ${HOST_WHERE}`,
    isExample: isExampleHost,
  },
  {
    path: "registry.name",
    realValue: "a registry name of your own",
    whereToFind:
      "your choice, unique across DigitalOcean (3 to 63 lower-case letters, digits, dashes); `doctl registry get` shows the team's registry if it has one",
    isExample: oneOf("acme-platform", "acme-platform-staging"),
  },
  {
    path: "edge.accountId",
    realValue: "your Cloudflare account id",
    whereToFind: CLOUDFLARE_ID_WHERE,
    isExample: (value) => looksTyped(value, HEX),
  },
  {
    path: "edge.zoneId",
    realValue: "the Cloudflare zone id of domain.zone",
    whereToFind: CLOUDFLARE_ID_WHERE,
    isExample: (value) => looksTyped(value, HEX),
  },
  {
    path: "aws.accountId",
    realValue: "the 12-digit id of this environment's AWS account",
    whereToFind:
      "`aws sts get-caller-identity --query Account --output text` with that account's credentials",
    // Read back as twelve digits, as the schema does (`pulumi config set --path` drops zeros).
    isExample: (value) => looksTyped(value.padStart(12, "0"), DECIMAL),
  },
  {
    path: "github.owner",
    realValue: "the user or organisation that owns your repository",
    whereToFind: "your repository's address: github.com/<owner>/<repository>",
    isExample: oneOf("acme"),
  },
  {
    path: "monitoring.alertEmails[]",
    realValue: "the address of a member of this stack's DigitalOcean team",
    whereToFind:
      "the DigitalOcean control panel: Settings, Team (App Platform sends alerts to team members only)",
    isExample: (value) => isExampleHost(value.split("@").at(-1) ?? ""),
  },
  {
    path: "database.trustedIpRanges[]",
    realValue: "an address range of your own",
    whereToFind:
      "the public address of the machine that needs the database (documentation ranges reach nobody)",
    isExample: isDocumentationRange,
  },
  {
    path: "monitoring.apm.newrelicAccountId",
    realValue: "your New Relic account id",
    whereToFind: "New Relic: the account picker, or Administration, API keys",
    isExample: (value) => looksTyped(value, DECIMAL),
  },
  // Secrets: the real engine decrypts them, so a README example pasted with --secret shows here
  // too. The offline plan stands these very examples in for every `secure:` value, so it cannot
  // tell and does not count them.
  {
    path: "sentryDsn",
    realValue: "your Sentry project's DSN",
    whereToFind: "Sentry: the project's Settings, Client Keys (DSN)",
    isExample: oneOf("https://public@o0.ingest.sentry.io/0"),
  },
  {
    path: "logtailToken",
    realValue: "your Better Stack source token",
    whereToFind: "Better Stack: Sources, the source's token",
    isExample: oneOf("lt_source_token"),
  },
  {
    path: "papertrailEndpoint",
    realValue: "your Papertrail log destination",
    whereToFind: "Papertrail: Settings, Log Destinations",
    isExample: oneOf("syslog+tls://logs1.papertrailapp.com:12345"),
  },
  {
    path: "datadogApiKey",
    realValue: "your Datadog API key",
    whereToFind: "Datadog: Organization Settings, API Keys",
    isExample: oneOf("f00dfacef00dfacef00dfacef00dface"),
  },
  {
    path: "slackWebhookUrl",
    realValue: "your Slack incoming webhook URL",
    whereToFind: "Slack: your Slack app's Incoming Webhooks page",
    isExample: oneOf("https://hooks.slack.com/services/T000/B000/XXXX"),
  },
  {
    path: "apmIngestKey",
    realValue: "the ingest key of monitoring.apm.provider",
    whereToFind:
      "Datadog: Organization Settings, API Keys; New Relic: API keys, a license (ingest) key",
    isExample: oneOf("ingest-key-from-the-apm-backend"),
  },
];

/** An example value found in a stack's config. */
export interface FoundExample {
  /** The full key with its path, e.g. `platform:monitoring.alertEmails[0]`. */
  key: string;
  /** The value, for a key that is not secret. */
  value: string | undefined;
  entry: ExampleValue;
}

/** The config as the loader holds it: keys without the namespace, structured values as JSON text. */
export interface ConfigValues {
  values: Readonly<Record<string, string>>;
  secretKeys: ReadonlySet<string>;
}

/** Every example value in the config, in the table's order. */
export function exampleValuesIn(config: ConfigValues, namespace = "platform"): FoundExample[] {
  return EXAMPLE_VALUES.flatMap((entry) => {
    const [key = ""] = entry.path.split(/[.[]/);
    const text = config.values[key];
    if (text === undefined) return [];
    const root = entry.path === key ? text : configValue(text);
    const secret = config.secretKeys.has(key);
    return leafPaths(root, [key]).flatMap((leaf) => {
      const path = configPath(leaf);
      const value = valueAt(root, leaf.slice(1));
      const scalar = typeof value === "string" || typeof value === "number";
      if (!scalar || anyIndex(path) !== entry.path || !entry.isExample(String(value))) return [];
      return [{ key: `${namespace}:${path}`, value: secret ? undefined : String(value), entry }];
    });
  });
}

/**
 * The example values of a stack file (keys in full, `platform:edge`) that the offline plan can
 * tell: not the secrets, which it fakes with these very examples.
 */
export function offlineExampleValues(
  file: { values: Readonly<Record<string, string>>; secretKeys: readonly string[] },
  namespace = "platform",
): FoundExample[] {
  const prefix = `${namespace}:`;
  const own = (key: string) => key.startsWith(prefix);
  const values = Object.fromEntries(
    Object.entries(file.values)
      .filter(([key]) => own(key))
      .map(([key, value]) => [key.slice(prefix.length), value]),
  );
  const secretKeys = new Set(file.secretKeys.filter(own).map((key) => key.slice(prefix.length)));
  return exampleValuesIn({ values, secretKeys }, namespace).filter(
    (found) => found.value !== undefined,
  );
}

/** `'<real value>'`, where a suggested fix would paste the example at `path` (`edge.zoneId`). */
export function exampleStandIn(path: string, value: unknown): string | undefined {
  if (typeof value !== "string" && typeof value !== "number") return undefined;
  const entry = EXAMPLE_VALUES.find(
    (candidate) => candidate.path === anyIndex(path) && candidate.isExample(String(value)),
  );
  return entry === undefined ? undefined : `<${entry.realValue}>`;
}

/** One problem per example value: the key, that it is an example, what belongs there and where. */
export function exampleValueProblems(found: readonly FoundExample[]): ConfigProblem[] {
  return found.map(({ key, value, entry }) => {
    const path = key.slice(key.indexOf(":") + 1);
    const secret = value === undefined;
    return {
      key,
      found:
        value === undefined
          ? "the example value of the config reference (the secret's value is not shown)"
          : `${JSON.stringify(value)}, an example value shipped with the repository`,
      allowed: `${entry.realValue}: ${entry.whereToFind}`,
      fix: secret
        ? `pulumi config set --secret ${path} '<${entry.realValue}>'`
        : `pulumi config set --path '${path}' '<${entry.realValue}>'`,
    };
  });
}

/** The offline plan's one warning line about the example values left in `file`. */
export function exampleValuesWarning(file: string, found: readonly FoundExample[]): string {
  const keys = found.map((example) => example.key).join(", ");
  const noun = found.length === 1 ? "example value remains" : "example values remain";
  return `warning: ${found.length} ${noun} in ${file} (${keys}); a real pulumi preview or up stops until each is yours (README: Example values)`;
}

/**
 * Whether the program runs under the SDK's mock runtime (`pnpm plan`, the tests) rather than the
 * engine of `pulumi preview` / `up`. `setMocks` installs a `MockMonitor` as the resource monitor;
 * the engine's Node host hands the program a monitor address instead (`--monitor`, kept in
 * `PULUMI_NODEJS_MONITOR`: @pulumi/pulumi cmd/run/index.js), from which the SDK builds a gRPC
 * client. Anything else, no monitor at all included, counts as real: the safe side.
 */
export function underMockRuntime(): boolean {
  return pulumi.runtime.getMonitor() instanceof MockMonitor;
}
