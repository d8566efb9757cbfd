// The preflight of one stack: the credentials this shell holds, the stack's config and offline
// plans, then every provider asked, read-only, what `pulumi up` would otherwise find out halfway.
// Takes its environment as an argument, so that a test can hand it fake APIs and credentials.
import type { Manifest } from "../plan/render.ts";
import { accountCheck, callerIdentity, type CallerIdentity } from "./aws.ts";
import { expectedBackendCheck, reachableCheck } from "./backend.ts";
import { type Check, checksOf, type Report, reportOf } from "./check.ts";
import { cloudflareChecks, type CloudflareResult } from "./cloudflare.ts";
import {
  apiBases,
  type Backend,
  currentBackend,
  type Env,
  firstSet,
  TOKEN_VARIABLES,
} from "./credentials.ts";
import { digitalOceanChecks } from "./digitalocean.ts";
import { gitHubChecks, type GitHubInputs } from "./github.ts";
import { apiClient } from "./http.ts";
import {
  plannedApps,
  plannedRepository,
  plannedRecords,
  plannedRulesets,
  plannedVpcs,
  type Plans,
} from "./plans.ts";
import { readStackSettings, type StackSettings } from "./stack-settings.ts";

const credentials = checksOf("Credentials");

export interface PreflightOptions {
  stack: string;
  stackFile: string;
  env: Env;
  /** The offline plans of the stack and of the bootstrap (`planBoth`). */
  plans: () => Promise<Plans>;
}

function tokenCheck(
  env: Env,
  id: string,
  provider: string,
  names: readonly string[],
  howTo: string,
): Check {
  const found = firstSet(env, names);
  if (found !== undefined) return credentials.pass(id, `${provider} token`, `${found.name} is set`);
  return credentials.fail(
    id,
    `${provider} token`,
    `${names.join(" or ")} is not set`,
    `export ${names[0] ?? ""}=<${howTo}>   (README: The tokens, exactly)`,
  );
}

/** The secrets a backend needs in the shell (and in every GitHub environment). */
function backendSecrets(backend: Backend, settings: StackSettings | undefined): string[] {
  return [
    ...(backend.kind === "cloud" ? ["PULUMI_ACCESS_TOKEN"] : []),
    ...(settings?.secretsProvider === "passphrase" ? ["PULUMI_CONFIG_PASSPHRASE"] : []),
  ];
}

function backendCredentialChecks(
  env: Env,
  backend: Backend,
  settings: StackSettings | undefined,
  expected: string | undefined,
): Check[] {
  const checks: Check[] = [];
  if (backend.kind === "none") {
    checks.push(
      credentials.fail(
        "credentials.backend",
        "State backend",
        "PULUMI_BACKEND_URL is not set and `pulumi login` names no backend",
        `pulumi login '${expected ?? "<the stack's backend>"}'   (README: Adopting, step 4)`,
      ),
    );
  } else if (backend.kind === "cloud" && backend.token === undefined) {
    checks.push(
      credentials.fail(
        "credentials.backend",
        "State backend",
        `PULUMI_ACCESS_TOKEN is not set, and \`pulumi login\` holds no token for ${backend.url}`,
        "export PULUMI_ACCESS_TOKEN=<a Pulumi Cloud access token>, or pulumi login",
      ),
    );
  } else {
    checks.push(
      credentials.pass(
        "credentials.backend",
        "State backend",
        `${backend.url} (from ${backend.source})`,
      ),
    );
  }
  if (settings?.secretsProvider === "passphrase") {
    checks.push(
      firstSet(env, ["PULUMI_CONFIG_PASSPHRASE", "PULUMI_CONFIG_PASSPHRASE_FILE"]) === undefined
        ? credentials.fail(
            "credentials.passphrase",
            "Secrets passphrase",
            "the stack encrypts its secrets with a passphrase, and neither PULUMI_CONFIG_PASSPHRASE nor PULUMI_CONFIG_PASSPHRASE_FILE is set",
            "export PULUMI_CONFIG_PASSPHRASE=<the stack's passphrase>",
          )
        : credentials.pass("credentials.passphrase", "Secrets passphrase", "set"),
    );
  }
  return checks;
}

/**
 * A self-managed backend (S3, a directory) has no secrets provider of its own: the stack file
 * names one (`pulumi stack init --secrets-provider` writes `secretsprovider` and `encryptedkey`),
 * or the CLI falls back to a passphrase (pulumi/pulumi, pkg/backend/diy/backend.go). In CI, where
 * PULUMI_CONFIG_PASSPHRASE is empty when unset, that would encrypt the state's secrets anew with
 * an empty passphrase instead of failing.
 */
function secretsProviderCheck(
  stack: string,
  backend: Backend,
  settings: StackSettings,
  expected: string | undefined,
): Check[] {
  if (
    (backend.kind !== "s3" && backend.kind !== "file") ||
    settings.secretsProvider !== "service"
  ) {
    return [];
  }
  return [
    credentials.fail(
      "credentials.secrets-provider",
      "Secrets provider",
      `Pulumi.${stack}.yaml names none (no secretsprovider, no encryptionsalt), and with ${backend.url} the CLI would fall back to a passphrase, an empty one where none is set`,
      `commit the secretsprovider and encryptedkey lines pulumi stack init wrote into Pulumi.${stack}.yaml; if they are lost: pulumi stack change-secrets-provider --stack ${stack} '${expected ?? "awskms://alias/platform-<stack>-secrets?region=<region>"}', then commit the file   (README: Adopting, step 4)`,
    ),
  ];
}

function awsCredentialCheck(identity: CallerIdentity): Check {
  if (identity.ok || !identity.missing) {
    return credentials.pass("credentials.aws", "AWS credentials", "found (whose: see AWS below)");
  }
  return credentials.fail(
    "credentials.aws",
    "AWS credentials",
    "none found (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, AWS_PROFILE, SSO or a web identity)",
    "export AWS_PROFILE=<a profile of the stack's account>   (CI: the environment's deploy role)",
  );
}

function gitHubOwnerCheck(env: Env, owner: string): Check[] {
  const set = firstSet(env, ["GITHUB_OWNER"]);
  if (set === undefined || set.value === owner) return [];
  // The GitHub provider takes GITHUB_OWNER from the shell over the owner the program gives it
  // (README: The tokens, exactly): the stack would write into another owner's repository.
  return [
    credentials.fail(
      "credentials.github-owner",
      "GITHUB_OWNER",
      `is ${set.value}, but the stack's repository belongs to ${owner} (platform:github.owner)`,
      "unset GITHUB_OWNER",
    ),
  ];
}

interface Asking {
  env: Env;
  stack: string;
  config: StackSettings["config"];
  manifest: Manifest;
}

const notRun = (group: string, id: string, what: string) =>
  checksOf(group).skip(id, what, "not run: no token (see Credentials)");

function askDigitalOcean({ env, stack, config, manifest }: Asking): Promise<Check[]> {
  const token = firstSet(env, TOKEN_VARIABLES.digitalocean);
  if (token === undefined) {
    return Promise.resolve([notRun("DigitalOcean", "digitalocean.all", "DigitalOcean checks")]);
  }
  return digitalOceanChecks({
    client: apiClient(apiBases(env).digitalocean, { authorization: `Bearer ${token.value}` }),
    stack,
    config,
    apps: plannedApps(manifest),
    vpcs: plannedVpcs(manifest),
  });
}

function askCloudflare({ env, stack, config, manifest }: Asking): Promise<CloudflareResult> {
  const token = firstSet(env, TOKEN_VARIABLES.cloudflare);
  if (token === undefined) {
    return Promise.resolve({
      checks: [notRun("Cloudflare", "cloudflare.all", "Cloudflare checks")],
    });
  }
  return cloudflareChecks({
    client: apiClient(apiBases(env).cloudflare, { authorization: `Bearer ${token.value}` }),
    stack,
    config,
    rulesets: plannedRulesets(manifest),
    records: plannedRecords(manifest),
  });
}

function askGitHub(
  { env, config }: Asking,
  rest: Pick<GitHubInputs, "planned" | "backendSecrets">,
): Promise<Check[]> {
  const token = firstSet(env, TOKEN_VARIABLES.github);
  if (token === undefined) {
    return Promise.resolve([notRun("GitHub", "github.all", "GitHub checks")]);
  }
  return gitHubChecks({
    client: apiClient(apiBases(env).github, {
      authorization: `Bearer ${token.value}`,
      accept: "application/vnd.github+json",
      "x-github-api-version": "2022-11-28",
    }),
    owner: config.github.owner,
    repository: config.github.repository,
    ...rest,
  });
}

/** Whether each credential is set, without asking anything but AWS whose credentials it finds. */
function credentialChecks(env: Env, identity: CallerIdentity): Check[] {
  return [
    tokenCheck(
      env,
      "credentials.digitalocean",
      "DigitalOcean",
      TOKEN_VARIABLES.digitalocean,
      "a token of the environment's team",
    ),
    tokenCheck(
      env,
      "credentials.cloudflare",
      "Cloudflare",
      TOKEN_VARIABLES.cloudflare,
      "a token limited to the stack's account and zone",
    ),
    tokenCheck(
      env,
      "credentials.github",
      "GitHub",
      TOKEN_VARIABLES.github,
      "a fine-grained token on the repository; CI: PLATFORM_GITHUB_TOKEN",
    ),
    awsCredentialCheck(identity),
  ];
}

export async function runPreflight({
  stack,
  stackFile,
  env,
  plans,
}: PreflightOptions): Promise<Report> {
  const read = readStackSettings(stack, stackFile);
  const backend = currentBackend(env);
  const stackChecks = checksOf(`Stack "${stack}"`);
  if (!read.ok) {
    const identity = await callerIdentity(env, firstSet(env, ["AWS_REGION"])?.value ?? "us-east-1");
    return reportOf(stack, [
      ...credentialChecks(env, identity),
      ...backendCredentialChecks(env, backend, undefined, undefined),
      stackChecks.fail(
        "stack.config",
        "Config",
        read.message,
        `fix ${stackFile} (pnpm plan ${stack} lists the same problems)`,
      ),
      stackChecks.skip(
        "stack.providers",
        "Provider checks",
        "not run: they read the stack's config",
      ),
    ]);
  }
  const { settings } = read;
  const planning = plans();
  const identity = await callerIdentity(env, settings.config.assets.awsRegion);
  const tokens = credentialChecks(env, identity);
  const { config } = settings;
  const { stack: stackPlan, bootstrap } = await planning;
  const planned: GitHubInputs["planned"] = bootstrap.ok
    ? { ok: true, repository: plannedRepository(bootstrap.manifest, stack) }
    : { ok: false, message: bootstrap.message };
  const plannedBackend = planned.ok ? planned.repository.stateBackend : undefined;
  const expectedBackend = plannedBackend?.url;
  const checks: Check[] = [
    ...tokens,
    ...gitHubOwnerCheck(env, config.github.owner),
    ...backendCredentialChecks(env, backend, settings, expectedBackend),
    ...secretsProviderCheck(stack, backend, settings, plannedBackend?.secretsProvider),
  ];
  if (!stackPlan.ok) {
    return reportOf(stack, [
      ...checks,
      stackChecks.fail(
        "stack.plan",
        "Offline plan",
        stackPlan.message,
        `pnpm plan ${stack} shows the same; fix it first`,
      ),
      stackChecks.skip(
        "stack.providers",
        "Provider checks",
        "not run: they compare the accounts with the plan",
      ),
    ]);
  }
  checks.push(
    stackChecks.pass(
      "stack.plan",
      "Config and offline plan",
      `valid; the plan declares ${String(stackPlan.manifest.resources.length)} resources (pnpm plan ${stack})`,
    ),
  );
  const ask = { env, stack, config, manifest: stackPlan.manifest };
  const [digitalOcean, cloudflare, gitHub, reachable] = await Promise.all([
    askDigitalOcean(ask),
    askCloudflare(ask),
    askGitHub(ask, { planned, backendSecrets: backendSecrets(backend, settings) }),
    reachableCheck(env, backend, config.assets.awsRegion),
  ]);
  const expected = expectedBackendCheck(backend, expectedBackend);
  return reportOf(
    stack,
    [
      ...checks,
      ...digitalOcean,
      ...(identity.ok || !identity.missing
        ? [accountCheck(stack, config.aws.accountId, identity)]
        : []),
      ...cloudflare.checks,
      ...gitHub,
      ...(expected === undefined ? [] : [expected]),
      ...(reachable === undefined ? [] : [reachable]),
    ],
    cloudflare.importFile,
  );
}
