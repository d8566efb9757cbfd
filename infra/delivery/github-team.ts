// A team's numeric id, which reviewers and ruleset bypass lists take, from its slug. Looked up
// with `GET /orgs/{org}/teams/{team_slug}` through the provider's REST data source rather than
// `getTeam`: that data source hands back a 404 as an answer instead of an error
// (terraform-provider-github data_source_github_rest_api.go passes 404 through and turns every
// other failure into an error), so the most common mistake gets a message that says what to fix.
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";

// GitHub REST "Get a team by name": `id` is the team's number.
const TeamResponse = z.object({ id: z.number().int().positive(), slug: z.string() });

/**
 * The id in a `GET /orgs/{org}/teams/{slug}` answer, or an error that says what to fix. GitHub
 * answers 404 both for a team that does not exist and to a token that may not see it: a
 * fine-grained token needs the organization permission "Members: read" (GitHub REST "Get a team
 * by name", fine-grained access tokens).
 */
export function teamIdFrom(
  org: string,
  slug: string,
  answer: { code: number; body: string },
): number {
  const where = `the team ${org}/${slug}`;
  if (answer.code === 404) {
    throw new pulumi.RunError(
      `GitHub answered 404 for ${where}: either no team has that slug in ${org} (the slug is the team's URL name, lower case), or the token cannot see it. A fine-grained token needs the organization permission "Members: read"; a classic token needs read:org.`,
    );
  }
  let body: unknown;
  try {
    body = JSON.parse(answer.body);
  } catch {
    body = undefined;
  }
  const parsed = TeamResponse.safeParse(body);
  if (answer.code !== 200 || !parsed.success) {
    throw new pulumi.RunError(
      `GitHub's answer for ${where} (HTTP ${String(answer.code)}) is not a team with a numeric id; check that the GitHub provider talks to GitHub's REST API (GITHUB_BASE_URL).`,
    );
  }
  return parsed.data.id;
}

/**
 * Passes when GitHub's answer says the reviewer can read the repository, or throws what to do.
 * The endpoints answer 204 when they can and 404 when they cannot ("Check team permissions for a
 * repository", which counts access inherited from a parent team; "Check if a user is a repository
 * collaborator", which counts organization members' access through teams and base permissions).
 * An environment's required reviewers "must have at least read access to the repository"
 * (terraform-provider-github resource_github_repository_environment.go, after GitHub's docs), and
 * GitHub drops one that has not without an error: the environment is then created without the
 * review (eclipse-csi/otterdog#556). The provider reads reviewers back only when the rule exists,
 * so no later preview or drift check would show it.
 */
export function reviewerAccessFrom(
  reviewer: string,
  repository: string,
  grant: string,
  answer: { code: number },
): void {
  // Any other answer than 204 and 404 is the provider's error before it reaches here
  // (data_source_github_rest_api.go turns every failure but a 404 into one).
  if (answer.code !== 404) return;
  throw new pulumi.RunError(
    `${reviewer} cannot read ${repository}, or the bootstrap token cannot see that it can (README, The tokens, exactly). GitHub drops an environment's reviewer who cannot read the repository, without an error: the environment would deploy without their review. Grant the access (${grant}), or name another reviewer in Pulumi.identity.yaml.`,
  );
}
