// GitHub, asked with the stack's token: the repository's visibility and its owner's plan against
// what the bootstrap creates there (environments, required reviewers, deployment policies,
// rulesets), each environment of the stack with the variables the bootstrap writes and the
// secrets people set, and no backend credential at the repository level. Paths and shapes:
// GitHub's REST API reference (docs.github.com/rest), version 2022-11-28.
import { z } from "zod";
import { type Check, checksOf } from "./check.ts";
import { type ApiAnswer, type ApiClient, describeAnswer, Unreachable } from "./http.ts";
import type { PlannedRepository } from "./plans.ts";

const { pass, fail, confirm, skip } = checksOf("GitHub");

const ErrorBody = z.object({ message: z.string() });
const messageOf = (answer: ApiAnswer) => ErrorBody.safeParse(answer.body).data?.message;

// "Get a repository": `private`, `visibility` and the owner's `login` and `type`.
const Repository = z.object({
  private: z.boolean(),
  visibility: z.string().optional(),
  owner: z.object({ login: z.string(), type: z.string() }),
});
// "Get an organization" and "Get the authenticated user": `plan` is shown to the organization's
// owners and to the user only.
const WithPlan = z.object({
  login: z.string().optional(),
  plan: z.object({ name: z.string() }).optional(),
});
// "List environment variables", "List environment secrets", "List repository secrets".
const Variables = z.object({ variables: z.array(z.object({ name: z.string() })) });
const Secrets = z.object({ secrets: z.array(z.object({ name: z.string() })) });

/** The tokens people set in every environment of a stack (README: Adopting, step 5). */
export const PROVIDER_SECRETS = [
  "DIGITALOCEAN_TOKEN",
  "CLOUDFLARE_API_TOKEN",
  "PLATFORM_GITHUB_TOKEN",
];
/** The backend's credentials, which must never be repository secrets (README: Who can do what). */
export const BACKEND_SECRETS = ["PULUMI_ACCESS_TOKEN", "PULUMI_CONFIG_PASSPHRASE"];

/**
 * What a private repository gets on each plan (README: Before the first pulumi up, "GitHub plan", from
 * docs.github.com: environments, environment secrets and deployment branch and tag policies on
 * Pro, Team or Enterprise; required reviewers on Enterprise; rulesets on Pro, Team or Enterprise
 * Cloud). A public repository has them all on every plan.
 */
type Tier = "free" | "pro-or-team" | "enterprise";
const FEATURE_TIERS = {
  environments: "pro-or-team",
  "deployment branch and tag policies": "pro-or-team",
  rulesets: "pro-or-team",
  "required reviewers": "enterprise",
} as const satisfies Record<string, Tier>;
const TIER_ORDER: Tier[] = ["free", "pro-or-team", "enterprise"];

/** The plan's tier by its name; GitHub's reference lists no names, so an unknown one is said so. */
export function tierOfPlan(name: string): Tier | undefined {
  if (/enterprise|business/i.test(name)) return "enterprise";
  if (/team|pro/i.test(name)) return "pro-or-team";
  if (/free/i.test(name)) return "free";
  return undefined;
}

export interface GitHubInputs {
  client: ApiClient;
  owner: string;
  repository: string;
  /** The bootstrap's plan for this stack, or why there is none. */
  planned: { ok: true; repository: PlannedRepository } | { ok: false; message: string };
  /** Secrets the backend needs in every environment (PULUMI_ACCESS_TOKEN, …). */
  backendSecrets: string[];
}

function featuresAsked(planned: PlannedRepository): (keyof typeof FEATURE_TIERS)[] {
  const { environments, rulesets } = planned;
  return [
    "environments" as const,
    ...(environments.some((environment) => environment.deployFrom !== "any branch")
      ? (["deployment branch and tag policies"] as const)
      : []),
    ...(rulesets.length > 0 ? (["rulesets"] as const) : []),
    ...(environments.some(
      (environment) => environment.reviewers.users.length + environment.reviewers.teams.length > 0,
    )
      ? (["required reviewers"] as const)
      : []),
  ];
}

async function ownerPlan(client: ApiClient, owner: { login: string; type: string }) {
  const answer = await client.get(owner.type === "Organization" ? `orgs/${owner.login}` : "user");
  const parsed = WithPlan.safeParse(answer.body).data;
  if (answer.status !== 200 || parsed?.plan === undefined) return undefined;
  if (owner.type !== "Organization" && parsed.login !== owner.login) return undefined;
  return parsed.plan.name;
}

async function planCheck(
  client: ApiClient,
  repository: z.infer<typeof Repository>,
  planned: PlannedRepository,
): Promise<Check> {
  const id = "github.plan";
  const title = "Plan and visibility";
  const asked = featuresAsked(planned);
  if (!repository.private) {
    return pass(id, title, `the repository is public: ${asked.join(", ")} work on every plan`);
  }
  const plan = await ownerPlan(client, repository.owner);
  const tier = plan === undefined ? undefined : tierOfPlan(plan);
  const needed = asked.reduce<Tier>(
    (highest, feature) =>
      TIER_ORDER.indexOf(FEATURE_TIERS[feature]) > TIER_ORDER.indexOf(highest)
        ? FEATURE_TIERS[feature]
        : highest,
    "free",
  );
  const neededName =
    needed === "enterprise" ? "GitHub Enterprise" : "GitHub Pro, Team or Enterprise";
  if (plan === undefined || tier === undefined) {
    return confirm(
      id,
      title,
      `the repository is private and ${plan === undefined ? `${repository.owner.login}'s plan is shown to its owners only` : `the plan "${plan}" is not one preflight knows`}; the bootstrap asks for ${asked.join(", ")}`,
      `confirm ${repository.owner.login} is on ${neededName} (Settings → Billing and plans), or make the repository public`,
    );
  }
  const missing = asked.filter(
    (feature) => TIER_ORDER.indexOf(FEATURE_TIERS[feature]) > TIER_ORDER.indexOf(tier),
  );
  if (missing.length > 0) {
    return fail(
      id,
      title,
      `the repository is private and ${repository.owner.login} is on "${plan}": GitHub refuses ${missing.join(", ")} there`,
      `move ${repository.owner.login} to ${neededName}, or make the repository public${missing.includes("required reviewers") ? ", or (not recommended) drop production's reviewers from bootstrap/Pulumi.identity.yaml" : ""}`,
    );
  }
  return pass(id, title, `private, on "${plan}", which has ${asked.join(", ")}`);
}

async function environmentCheck(
  { client, owner, repository, backendSecrets }: GitHubInputs,
  environment: PlannedRepository["environments"][number],
): Promise<Check> {
  const id = `github.environment.${environment.name}`;
  const title = `Environment ${environment.name}`;
  const base = `repos/${owner}/${repository}/environments/${encodeURIComponent(environment.name)}`;
  const [variables, secrets] = await Promise.all([
    client.get(`${base}/variables?per_page=30`),
    client.get(`${base}/secrets?per_page=30`),
  ]);
  if (variables.status === 404) {
    return fail(
      id,
      title,
      "does not exist",
      "apply the bootstrap (README: Bootstrap: identity and guard rails)",
    );
  }
  const variableNames = Variables.safeParse(variables.body).data?.variables.map(({ name }) => name);
  const secretNames = Secrets.safeParse(secrets.body).data?.secrets.map(({ name }) => name);
  if (
    variables.status !== 200 ||
    secrets.status !== 200 ||
    variableNames === undefined ||
    secretNames === undefined
  ) {
    const failed = variables.status === 200 ? secrets : variables;
    return fail(
      id,
      title,
      `the token may not read it (${describeAnswer(failed, messageOf(failed))})`,
      "give the token the repository permission Environments (Read and write where it deploys)",
    );
  }
  const missingVariables = environment.variables.filter((name) => !variableNames.includes(name));
  const missingSecrets = [...PROVIDER_SECRETS, ...backendSecrets].filter(
    (name) => !secretNames.includes(name),
  );
  if (missingVariables.length + missingSecrets.length === 0) {
    return pass(
      id,
      title,
      `variables ${environment.variables.join(", ")} and secrets ${[...PROVIDER_SECRETS, ...backendSecrets].join(", ")} are set`,
    );
  }
  return fail(
    id,
    title,
    [
      ...(missingVariables.length === 0
        ? []
        : [`variables missing: ${missingVariables.join(", ")}`]),
      ...(missingSecrets.length === 0 ? [] : [`secrets missing: ${missingSecrets.join(", ")}`]),
    ].join("; "),
    [
      ...(missingVariables.length === 0
        ? []
        : ["apply the bootstrap again: it writes those variables"]),
      ...missingSecrets.map(
        (name) => `gh secret set ${name} --env ${environment.name} --repo ${owner}/${repository}`,
      ),
    ].join("\n"),
  );
}

async function repositorySecretsCheck({ client, owner, repository }: GitHubInputs): Promise<Check> {
  const id = "github.repository-secrets";
  const title = "No backend credential at the repository level";
  const answer = await client.get(`repos/${owner}/${repository}/actions/secrets?per_page=100`);
  const secrets = Secrets.safeParse(answer.body).data;
  if (answer.status !== 200 || secrets === undefined) {
    return confirm(
      id,
      title,
      `the token may not list repository secrets (${describeAnswer(answer, messageOf(answer))}; the platform's tokens hold no Secrets permission by design)`,
      `confirm under Settings → Secrets and variables → Actions that ${BACKEND_SECRETS.join(" and ")} are environment secrets only`,
    );
  }
  const found = secrets.secrets
    .map(({ name }) => name)
    .filter((name) => BACKEND_SECRETS.includes(name));
  if (found.length === 0)
    return pass(id, title, `neither ${BACKEND_SECRETS.join(" nor ")} is a repository secret`);
  return fail(
    id,
    title,
    `${found.join(", ")} ${found.length === 1 ? "is a repository secret" : "are repository secrets"}: every workflow of the repository can read it, reviewed or not`,
    found
      .map(
        (name) =>
          `gh secret delete ${name} --repo ${owner}/${repository}   (then set it in each environment)`,
      )
      .join("\n"),
  );
}

export async function gitHubChecks(inputs: GitHubInputs): Promise<Check[]> {
  const { client, owner, repository } = inputs;
  try {
    const answer = await client.get(`repos/${owner}/${repository}`);
    const found = Repository.safeParse(answer.body).data;
    const id = "github.repository";
    const title = `Repository ${owner}/${repository}`;
    if (answer.status !== 200 || found === undefined) {
      return [
        fail(
          id,
          title,
          answer.status === 401
            ? `GitHub refused the token (${describeAnswer(answer, messageOf(answer))})`
            : `not found, or the token cannot see it (${describeAnswer(answer, messageOf(answer))})`,
          "check platform:github.owner and .repository, and give the (fine-grained) token access to this repository",
        ),
        skip(
          "github.rest",
          "Plan, environments, repository secrets",
          "not run: the repository could not be read",
        ),
      ];
    }
    const repositoryCheck = pass(
      id,
      title,
      `${found.visibility ?? (found.private ? "private" : "public")}, owned by the ${found.owner.type.toLowerCase()} ${found.owner.login}`,
    );
    if (!inputs.planned.ok) {
      return [
        repositoryCheck,
        fail(
          "github.bootstrap",
          "Bootstrap config",
          inputs.planned.message,
          "fix bootstrap/Pulumi.identity.yaml (pnpm plan bootstrap)",
        ),
        await repositorySecretsCheck(inputs),
      ];
    }
    const planned = inputs.planned.repository;
    return [
      repositoryCheck,
      await planCheck(client, found, planned),
      ...(await Promise.all(
        planned.environments.map((environment) => environmentCheck(inputs, environment)),
      )),
      await repositorySecretsCheck(inputs),
    ];
  } catch (error) {
    if (!(error instanceof Unreachable)) throw error;
    return [
      fail("github.reachable", "API", error.message, "check the network, or GITHUB_BASE_URL"),
    ];
  }
}
