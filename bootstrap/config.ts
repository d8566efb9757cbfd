// The bootstrap project's config: who may deploy what, from where, after whose approval. One zod
// schema, cross-field rules beside it, and problems in the platform's found / allowed / fix form,
// every one at once, before anything is registered.
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { SUBJECT_FORMS } from "../infra/delivery/oidc-subject.ts";
import { ENVIRONMENTS, type Environment } from "../stacks/config/catalog.ts";
import { ConfigError } from "../stacks/config/load.ts";
import {
  type ConfigProblem,
  describeAllowed,
  type JsonSchemaNode,
  NOT_SET,
} from "../stacks/config/problems.ts";
import { configPath, valueAt } from "../stacks/config/config-path.ts";
import { resemblingKey } from "../stacks/config/nearest.ts";
import { documented, GITHUB_OWNER, GITHUB_REPOSITORY, pattern } from "../stacks/config/schema.ts";
import { configValue } from "../stacks/config/stack-file.ts";

/** The bootstrap project's name: its config keys are `platform-bootstrap:<key>`. */
export const BOOTSTRAP_NAMESPACE = "platform-bootstrap";

/** The delivery flows a repository can follow (README: Continuous delivery). */
export const FLOWS = ["trunk", "branches"] as const;
export type Flow = (typeof FLOWS)[number];

const login = pattern(/^[A-Za-z0-9-]{1,39}$/, "a GitHub login");
const teamSlug = pattern(/^[a-z0-9._-]{1,100}$/, "a team slug (lower case)");

/**
 * One branch, by its exact name: a pattern (`*`, `?`, `[`) would let runs of every matching
 * branch into the environment, and refs git itself refuses (`..`, a trailing `.lock`, spaces,
 * `~^:\`) cannot be pushed.
 */
const branchName = pattern(
  /^(?!.*\.\.)(?!.*\.lock$)(?!\/)(?!.*\/$)[A-Za-z0-9._/-]{1,200}$/,
  "one branch by its exact name, such as main (no pattern: *, ? or [)",
);

/**
 * One tag pattern with a literal prefix, such as `v*`: GitHub matches deployment tag policies with
 * fnmatch, so `*` alone would admit any tag anybody pushes.
 */
const tagPattern = pattern(
  /^[A-Za-z0-9._-][A-Za-z0-9._/-]*\*?$/,
  "one tag pattern that starts with a literal, such as v* (not * alone)",
);

const reviewers = z
  .strictObject({
    users: z.array(login).max(6).default([]),
    teams: z.array(teamSlug).max(6).default([]),
  })
  .default({ users: [], teams: [] });

const environment = z.strictObject({
  reviewers: documented(
    reviewers,
    "Who approves each deployment job of the environment (GitHub takes six at most). Nobody approves their own run, admins included. Each must be able to read the repository (the bootstrap checks). Required reviewers on a private repository need GitHub Enterprise.",
    { users: [], teams: ["platform-leads"] },
  ),
  previewReviewers: documented(
    reviewers,
    "Who approves each preview or drift check of the environment: those jobs decrypt the stack's state, so in production they wait for one of these.",
    { users: [], teams: ["platform-leads"] },
  ),
  stateBucket: documented(
    pattern(
      /^[a-z0-9][a-z0-9.-]{1,56}[a-z0-9]$/,
      "an S3 bucket name of at most 58 characters (its log bucket adds -logs)",
    ).optional(),
    "A self-managed backend for the environment: this project creates the bucket (and `<bucket>-logs`) and a KMS key for the stack's secrets in the environment's AWS account, and gives its CI roles their stack's state and key only. Leave unset with Pulumi Cloud.",
    "acme-pulumi-state-production",
  ),
  existingOidcProvider: documented(
    z.boolean().default(false),
    "The environment's AWS account already has GitHub's OIDC provider (one per account, created by other tooling): use it instead of creating one.",
    false,
  ),
  awsProfile: documented(
    z.string().min(1).optional(),
    "The AWS profile with administrator rights in the environment's account that this project runs with; unset uses the default credentials.",
    "acme-production-admin",
  ),
});

const github = z.strictObject({
  owner: documented(GITHUB_OWNER, "Owner of the repository.", "acme"),
  repository: documented(
    GITHUB_REPOSITORY,
    "The repository whose workflows deploy the platform.",
    "platform",
  ),
  oidcSubject: documented(
    z.enum(SUBJECT_FORMS).optional(),
    "Form of the `sub` claim in the repository's OIDC tokens, which the CI roles trust exactly: `immutable` (`repo:<owner>@<owner id>/<repo>@<repo id>:…`, repositories created, renamed or transferred since 15 July 2026, and older ones opted in) or `names` (`repo:<owner>/<repo>:…`). Unset: as GitHub signs the repository's subjects (its OIDC customization's `sub_claim_prefix`), else `immutable`; set, GitHub must agree.",
    "immutable",
  ),
  defaultBranch: documented(branchName.default("main"), "The default branch.", "main"),
  requiredReviews: documented(
    z.number().int().min(0).max(6).default(1),
    "Approving reviews a pull request into a protected branch needs, code owners' among them.",
    1,
  ),
  flow: documented(
    z.enum(FLOWS).default("trunk"),
    "`trunk`: pushes to the default branch deploy staging, published releases (tags `releaseTags`) deploy production. `branches`: pushes to `stagingBranch` deploy staging and pushes to the default branch deploy production; pull requests into either are previewed.",
    "trunk",
  ),
  stagingBranch: documented(
    branchName.default("staging"),
    "The branch that deploys staging in the `branches` flow.",
    "staging",
  ),
  releaseTags: documented(
    tagPattern.default("v*"),
    "The tags that deploy production in the `trunk` flow.",
    "v*",
  ),
  releaseTeam: documented(
    teamSlug.optional(),
    "The team whose members alone may create, move or delete release tags (`trunk` flow).",
    "release-managers",
  ),
  // Who can use artifact attestations: public repositories on current plans, private and internal
  // ones on GitHub Enterprise Cloud only (docs.github.com/actions/how-tos/secure-your-work/
  // use-artifact-attestations, "Who can use this feature?").
  attestImages: documented(
    z.boolean().optional(),
    "Whether the deploy jobs sign a build-provenance attestation of each image they deploy (repository variable `ATTEST_IMAGES`). GitHub keeps attestations for public repositories, and for private or internal ones on GitHub Enterprise Cloud only. Unset: whether the repository is public, as GitHub says; `true` for a private one on Enterprise Cloud.",
    true,
  ),
});

const schema = z.strictObject({
  github,
  environments: z.strictObject(
    Object.fromEntries(ENVIRONMENTS.map((name) => [name, environment])) as Record<
      Environment,
      typeof environment
    >,
  ),
});

export type BootstrapConfig = z.output<typeof schema>;
export type EnvironmentSettings = BootstrapConfig["environments"][Environment];

interface Violation {
  path: (string | number)[];
  allowed: string;
  fix: string;
}

/** A team, or two people: nobody approves their own run, so one person alone could never pass. */
function approvable({ users, teams }: { users: string[]; teams: string[] }): boolean {
  return teams.length > 0 || users.length >= 2;
}

/** Rules across keys, each a pure check; run once the schema has parsed. */
export function bootstrapViolations(config: BootstrapConfig): Violation[] {
  const found: Violation[] = [];
  const production = config.environments.production;
  for (const key of ["reviewers", "previewReviewers"] as const) {
    if (!approvable(production[key])) {
      found.push({
        path: ["environments", "production", key],
        allowed:
          key === "reviewers"
            ? "a team, or two users or more: every production deployment waits for someone other than its author"
            : "a team, or two users or more: a production preview decrypts production's state, so it waits for someone other than the pull request's author",
        fix: `pulumi config set --path 'environments.production.${key}.teams[0]' platform-leads`,
      });
    }
  }
  const { github: repo } = config;
  if (repo.requiredReviews < 1) {
    found.push({
      path: ["github", "requiredReviews"],
      allowed: "1 or more: with 0, anyone who can push merges unreviewed and deploys",
      fix: "pulumi config set --path 'github.requiredReviews' 1",
    });
  }
  if (repo.flow === "trunk" && repo.releaseTeam === undefined) {
    found.push({
      path: ["github", "releaseTeam"],
      allowed:
        "a team slug in the trunk flow: release tags deploy production, so only that team may create them",
      fix: "pulumi config set --path 'github.releaseTeam' release-managers",
    });
  }
  if (repo.flow === "branches" && repo.stagingBranch === repo.defaultBranch) {
    found.push({
      path: ["github", "stagingBranch"],
      allowed: `a branch other than the default branch (${repo.defaultBranch}), which deploys production in the branches flow`,
      fix: "pulumi config set --path 'github.stagingBranch' staging",
    });
  }
  return found;
}

/** Refs that deploy each environment, by flow: the environments' deployment policies. */
export function deployRefs(
  repo: BootstrapConfig["github"],
): Record<Environment, { branch: string } | { tagPattern: string }> {
  return repo.flow === "trunk"
    ? { staging: { branch: repo.defaultBranch }, production: { tagPattern: repo.releaseTags } }
    : { staging: { branch: repo.stagingBranch }, production: { branch: repo.defaultBranch } };
}

let jsonSchema: JsonSchemaNode | undefined;
function nodeAt(path: readonly PropertyKey[]): JsonSchemaNode | undefined {
  jsonSchema ??= z.toJSONSchema(schema, { io: "input", unrepresentable: "any" }) as JsonSchemaNode;
  let node: JsonSchemaNode | undefined = jsonSchema;
  for (const segment of path) {
    node = typeof segment === "number" ? node?.items : node?.properties?.[String(segment)];
  }
  return node;
}

const keyOf = (path: readonly PropertyKey[]) => `${BOOTSTRAP_NAMESPACE}:${configPath(path)}`;

function shown(value: unknown): string {
  return value === undefined ? NOT_SET : JSON.stringify(value);
}

function exampleFix(path: readonly PropertyKey[]): string {
  const example = nodeAt(path)?.examples?.[0];
  return typeof example === "string" || typeof example === "number" || typeof example === "boolean"
    ? `pulumi config set --path '${configPath(path)}' '${String(example)}'`
    : `pulumi config set --path '${configPath(path)}' <value>   (see bootstrap/Pulumi.identity.yaml)`;
}

function problemsOf(issue: z.core.$ZodIssue, input: unknown): ConfigProblem[] {
  if (issue.code === "unrecognized_keys") {
    const known = Object.keys(nodeAt(issue.path)?.properties ?? {});
    return issue.keys.map((key) => {
      const meant = resemblingKey(key, known);
      return {
        key: keyOf([...issue.path, key]),
        found:
          meant === undefined
            ? "a key the bootstrap project does not know"
            : `a key the bootstrap project does not know: did you mean ${keyOf([...issue.path, meant])}?`,
        allowed: `one of ${known.join(", ")}`,
        fix: `pulumi config rm --path '${configPath([...issue.path, key])}'`,
      };
    });
  }
  return [
    {
      key: keyOf(issue.path),
      found: shown(valueAt(input, issue.path)),
      allowed: describeAllowed(nodeAt(issue.path), issue.message),
      fix: exampleFix(issue.path),
    },
  ];
}

export type BootstrapLoad =
  { ok: true; config: BootstrapConfig } | { ok: false; problems: ConfigProblem[] };

/** Parses the config's groups (`github`, `environments`, JSON text as Pulumi hands them over). */
export function validateBootstrapConfig(values: Readonly<Record<string, string>>): BootstrapLoad {
  const input: Record<string, unknown> = {};
  for (const [key, text] of Object.entries(values)) input[key] = configValue(text);
  input.github ??= {};
  input.environments ??= {};
  const parsed = schema.safeParse(input);
  if (!parsed.success) {
    return {
      ok: false,
      problems: parsed.error.issues.flatMap((issue) => problemsOf(issue, input)),
    };
  }
  const problems = bootstrapViolations(parsed.data).map((violation): ConfigProblem => ({
    key: keyOf(violation.path),
    found: shown(valueAt(parsed.data, violation.path)),
    allowed: violation.allowed,
    fix: violation.fix,
  }));
  return problems.length === 0 ? { ok: true, config: parsed.data } : { ok: false, problems };
}

/** The current stack's config, or a ConfigError listing every problem. */
export function loadBootstrapConfig(): BootstrapConfig {
  const prefix = `${BOOTSTRAP_NAMESPACE}:`;
  const values = Object.fromEntries(
    Object.entries(pulumi.runtime.allConfig())
      .filter(([key]) => key.startsWith(prefix))
      .map(([key, value]) => [key.slice(prefix.length), value]),
  );
  const result = validateBootstrapConfig(values);
  if (!result.ok) throw new ConfigError(pulumi.getStack(), result.problems);
  return result.config;
}
