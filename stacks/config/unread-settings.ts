// Provider settings in a stack file that the program never reads. An explicit provider takes no
// stack config of its namespace: its inputs come from its arguments alone (each SDK's provider.js;
// only the default provider reads config/vars.js), and the provider binary falls back to its
// environment variables. The maintainers call this by design (pulumi/pulumi-aws#1307, "an explicit
// provider is configured independent of any `aws:*` config", where the environment still counts:
// "When I set env var AWS_PROFILE it works"; #3259, resolution/by-design). AWS, GitHub, Datadog
// and New Relic are explicit providers only here (test/config/unread-settings.test.ts checks the
// planned runs), so an `aws:region` or `aws:profile` in Pulumi.<stack>.yaml changes nothing,
// silently. The config refuses such a setting with what the program reads instead.
import type { ConfigProblem } from "./config-problem.ts";

interface ExplicitProvider {
  /** Where the program builds it. */
  builtIn: string;
  /** What the program reads instead of this namespace's settings. */
  reads: string;
  /** The fix of a known setting, from its value when that is not secret. */
  instead: Readonly<Record<string, (value: string | undefined) => string>>;
}

const rmThen = (key: string, then: string) => `pulumi config rm ${key}, and ${then}`;

const EXPLICIT_PROVIDERS: Readonly<Record<string, ExplicitProvider>> = {
  aws: {
    builtIn: "stacks/aws-account.ts",
    reads:
      "platform:aws.accountId and platform:assets.awsRegion, and credentials from the environment (AWS_PROFILE, AWS_ACCESS_KEY_ID…, or CI's OIDC role)",
    instead: {
      region: (value) =>
        `pulumi config rm aws:region && pulumi config set --path 'assets.awsRegion' ${value ?? "<region>"}`,
      profile: (value) =>
        rmThen(
          "aws:profile",
          `run with the profile in the environment: AWS_PROFILE=${value ?? "<profile>"} pulumi up`,
        ),
      allowedAccountIds: () =>
        rmThen(
          "aws:allowedAccountIds",
          "keep the account in platform:aws.accountId (the one the provider allows)",
        ),
      accessKey: () => rmThen("aws:accessKey", "export AWS_ACCESS_KEY_ID instead"),
      secretKey: () => rmThen("aws:secretKey", "export AWS_SECRET_ACCESS_KEY instead"),
      token: () => rmThen("aws:token", "export AWS_SESSION_TOKEN instead"),
    },
  },
  github: {
    builtIn: "stacks/delivery.ts",
    reads: "platform:github.owner and platform:github.repository, and the token from GITHUB_TOKEN",
    instead: {
      owner: (value) =>
        `pulumi config rm github:owner && pulumi config set --path 'github.owner' ${value ?? "<owner>"}`,
      token: () => rmThen("github:token", "export GITHUB_TOKEN instead"),
    },
  },
  datadog: {
    builtIn: "infra/observability/apm-monitors.ts",
    reads: "platform:monitoring.apm.datadogSite, and the keys from DD_API_KEY and DD_APP_KEY",
    instead: {
      apiKey: () => rmThen("datadog:apiKey", "export DD_API_KEY instead"),
      appKey: () => rmThen("datadog:appKey", "export DD_APP_KEY instead"),
    },
  },
  newrelic: {
    builtIn: "infra/observability/apm-monitors.ts",
    reads:
      "platform:monitoring.apm.newrelicAccountId and .newrelicRegion, and the key from NEW_RELIC_API_KEY",
    instead: {
      apiKey: () => rmThen("newrelic:apiKey", "export NEW_RELIC_API_KEY instead"),
    },
  },
};

function explicitProviderOf(fullKey: string): ExplicitProvider | undefined {
  const namespace = fullKey.split(":")[0] ?? "";
  return Object.hasOwn(EXPLICIT_PROVIDERS, namespace) ? EXPLICIT_PROVIDERS[namespace] : undefined;
}

/** Whether the program never reads `fullKey` (`aws:region`: never). */
export function isUnreadSetting(fullKey: string): boolean {
  return explicitProviderOf(fullKey) !== undefined;
}

/** One problem per setting the program never reads; a secret value is never shown. */
export function unreadSettingProblems(
  otherKeys: Readonly<Record<string, string>>,
  secretKeys: ReadonlySet<string>,
): ConfigProblem[] {
  return Object.entries(otherKeys).flatMap(([key, value]) => {
    const provider = explicitProviderOf(key);
    if (provider === undefined) return [];
    const [namespace = "", setting = ""] = key.split(":");
    const fix = provider.instead[setting];
    return [
      {
        key,
        found: `a setting nothing reads: the program builds its ${namespace} providers itself (${provider.builtIn}), and such a provider takes no ${namespace}: config`,
        allowed: `no ${namespace}: settings; the program reads ${provider.reads}`,
        fix:
          fix === undefined
            ? `pulumi config rm --path '${key}'`
            : fix(secretKeys.has(key) ? undefined : value),
      },
    ];
  });
}
