// The `sub` claim of the OIDC token GitHub gives a job that runs in an environment, which is what
// a CI role's trust matches exactly. Its form depends on the repository: those created, renamed or
// transferred since 15 July 2026, and those opted in, carry immutable ids,
// `repo:<owner>@<owner id>/<repo>@<repo id>:environment:<env>`, so that a recycled name cannot
// mint a trusted token; older repositories keep `repo:<owner>/<repo>:environment:<env>` (GitHub
// changelog, "Immutable subject claims for GitHub Actions OIDC tokens"). The delimiter is `@`,
// which no owner or repository name can hold: the first release, in April 2026, used `-`, and an
// organisation named `<owner>-<owner id>` could then mint the legacy subject that string-matched
// a victim's immutable trust, so GitHub withdrew it and reshipped it with `@` (Boost Security
// Labs, "Sleeper Squats", June 2026). A trust written in the wrong form refuses every job.
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";

export const SUBJECT_FORMS = ["immutable", "names"] as const;
export type SubjectForm = (typeof SUBJECT_FORMS)[number];

export interface Repository {
  owner: string;
  name: string;
}

/** A repository as GitHub spells it, with the ids the immutable subject carries. */
export interface RepositoryIdentity extends Repository {
  ownerId: number;
  repositoryId: number;
  /** Whether anyone may read it: GitHub keeps artifact attestations of public ones on every plan. */
  isPublic: boolean;
}

/** `repo:<owner>/<repo>`, or with the immutable ids appended to each name. */
export function subjectPrefix(repository: RepositoryIdentity, form: SubjectForm): string {
  const { owner, name, ownerId, repositoryId } = repository;
  if (form === "names") return `repo:${owner}/${name}`;
  return `repo:${owner}@${String(ownerId)}/${name}@${String(repositoryId)}`;
}

export const environmentSubject = (prefix: string, environment: string) =>
  `${prefix}:environment:${environment}`;

// `GET /repos/{owner}/{repo}`: `id` is the repository's, `owner.id` its owner's, user or
// organisation alike; `owner.login` and `name` are spelt as GitHub stores them, which is how the
// token's claims spell them (GitHub REST API, "Get a repository").
const RepositoryResponse = z.object({
  id: z.number().int().positive(),
  name: z.string().min(1),
  owner: z.object({ id: z.number().int().positive(), login: z.string().min(1) }),
  private: z.boolean(),
});

const CONFIG_KEYS = "platform-bootstrap:github.owner and platform-bootstrap:github.repository";

/**
 * Reads a `GET /repos/{owner}/{repo}` answer into the repository as GitHub spells it, or says what
 * to fix. The spelling matters because the trust compares the `sub` claim case-sensitively: a
 * configured `Acme/Platform` still finds GitHub's `acme/platform`, and the trust must say the
 * latter. A repository that answers under another name was renamed or transferred (GitHub
 * redirects the old name), and the configuration should follow it rather than rely on that.
 */
export function repositoryIdentityFrom(
  configured: Repository,
  answer: { code: number; body: string },
): RepositoryIdentity {
  const fullName = `${configured.owner}/${configured.name}`;
  // The provider turns every other failure into an error of its own, and follows a renamed
  // repository's redirect, so what reaches here is 200 or 404 (terraform-provider-github
  // data_source_github_rest_api.go); a rename shows as another name in a 200 answer, below.
  if (answer.code !== 200) {
    throw new pulumi.RunError(
      `GitHub answered ${String(answer.code)} for the repository ${fullName} (${CONFIG_KEYS}), ` +
        "whose owner, name and ids the CI roles' trust needs. " +
        "Check both names, and that the GitHub token (GITHUB_TOKEN) may read the repository's metadata.",
    );
  }
  const parsed = RepositoryResponse.safeParse(parseJson(answer.body));
  if (!parsed.success) {
    throw new pulumi.RunError(
      `GitHub's answer for the repository ${fullName} is not a repository with a numeric id, a name, an owner (id and login) and its visibility: ` +
        `${z.prettifyError(parsed.error)}. Check that the GitHub provider talks to GitHub's REST API (GITHUB_BASE_URL).`,
    );
  }
  const { id, name, owner, private: isPrivate } = parsed.data;
  const found = `${owner.login}/${name}`;
  if (found.toLowerCase() !== fullName.toLowerCase()) {
    throw new pulumi.RunError(
      `GitHub knows the repository ${fullName} (${CONFIG_KEYS}) as ${found} now: it was renamed or transferred. ` +
        `Point the bootstrap at it (in bootstrap/): pulumi config set --path 'github.owner' ${owner.login} && pulumi config set --path 'github.repository' ${name}`,
    );
  }
  return { owner: owner.login, name, ownerId: owner.id, repositoryId: id, isPublic: !isPrivate };
}

// `GET /repos/{owner}/{repo}/actions/oidc/customization/sub`: whether the repository uses the
// default subject template, and `sub_claim_prefix`, the prefix GitHub signs its subjects with
// (go-github actions_oidc.go, OIDCSubjectClaimCustomTemplate). `use_immutable_subject` is only
// the repository's own opt-in: a repository created since 15 July 2026 reports false and still
// signs the ids (Azure/azure-dev#9382, whose fix #9430 reads the prefix instead).
const SubjectTemplate = z.object({
  use_default: z.boolean().optional(),
  include_claim_keys: z.array(z.string()).optional(),
  use_immutable_subject: z.boolean().optional(),
  sub_claim_prefix: z.string().optional(),
});

/**
 * The form of the repository's `sub` claims as GitHub signs them (its prefix, else its opt-in),
 * else the configured one, else `immutable`; or what to fix: a template that is not the default
 * (the repository's own, or the organisation's it defers to), a prefix neither form matches, or a
 * configured form GitHub contradicts. No CI role could trust any of those.
 */
export function subjectFormFrom(
  found: RepositoryIdentity,
  configured: SubjectForm | undefined,
  answer: { code: number; body: string },
): SubjectForm {
  const repository = `${found.owner}/${found.name}`;
  const template =
    answer.code === 200 ? SubjectTemplate.safeParse(parseJson(answer.body)).data : undefined;
  if (template?.use_default === false) {
    const keys = template.include_claim_keys ?? [];
    throw new pulumi.RunError(
      `The repository ${repository} does not use GitHub's default OIDC subject (${keys.length > 0 ? keys.join(", ") : "the organisation's template"}), and the CI roles trust the default, which names the environment. Reset it: gh api -X PUT repos/${repository}/actions/oidc/customization/sub -F use_default=true`,
    );
  }
  const prefix = template?.sub_claim_prefix;
  const signed =
    prefix === undefined
      ? template?.use_immutable_subject === true
        ? "immutable"
        : undefined
      : SUBJECT_FORMS.find((form) => subjectPrefix(found, form) === prefix);
  if (prefix !== undefined && signed === undefined) {
    throw new pulumi.RunError(
      `GitHub signs the subjects of ${repository} with the prefix ${prefix}, which is neither ${subjectPrefix(found, "immutable")} nor ${subjectPrefix(found, "names")}: check platform-bootstrap:github.owner and github.repository.`,
    );
  }
  if (signed !== undefined && configured !== undefined && signed !== configured) {
    throw new pulumi.RunError(
      `platform-bootstrap:github.oidcSubject is ${configured}, but GitHub signs the subjects of ${repository} ${signed === "immutable" ? "with the immutable ids" : "by names"}, which is what the CI roles must trust. Let GitHub decide: pulumi config rm --path github.oidcSubject`,
    );
  }
  return signed ?? configured ?? "immutable";
}

/** The body as JSON, or `undefined` (which the schema then refuses with its own message). */
function parseJson(body: string): unknown {
  try {
    return JSON.parse(body) as unknown;
  } catch {
    return undefined;
  }
}
