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

export interface RepositoryIds {
  ownerId: number;
  repositoryId: number;
}

export interface Repository {
  owner: string;
  name: string;
}

/** `repo:<owner>/<repo>`, or with the immutable ids appended to each name. */
export function subjectPrefix(
  repository: Repository,
  form: SubjectForm,
  ids: RepositoryIds | undefined,
): string {
  if (form === "names") return `repo:${repository.owner}/${repository.name}`;
  if (ids === undefined) throw new Error("the immutable subject needs the repository's ids");
  return `repo:${repository.owner}@${String(ids.ownerId)}/${repository.name}@${String(ids.repositoryId)}`;
}

export const environmentSubject = (prefix: string, environment: string) =>
  `${prefix}:environment:${environment}`;

// `GET /repos/{owner}/{repo}`: `id` is the repository's, `owner.id` its owner's, user or
// organisation alike (GitHub REST API, "Get a repository").
const RepositoryResponse = z.object({
  id: z.number().int().positive(),
  owner: z.object({ id: z.number().int().positive() }),
});

/** Reads a `GET /repos/{owner}/{repo}` answer, or says what to fix. */
export function repositoryIdsFrom(
  repository: Repository,
  answer: { code: number; body: string },
): RepositoryIds {
  const fullName = `${repository.owner}/${repository.name}`;
  if (answer.code !== 200) {
    throw new pulumi.RunError(
      `GitHub answered ${String(answer.code)} for the repository ${fullName} (platform:github.owner and platform:github.repository), ` +
        "whose ids the CI roles' trust needs (platform:github.oidcSubject is immutable). " +
        "Check both names, and that the GitHub token (GITHUB_TOKEN) may read the repository's metadata.",
    );
  }
  const parsed = RepositoryResponse.safeParse(JSON.parse(answer.body));
  if (!parsed.success) {
    throw new pulumi.RunError(
      `GitHub's answer for the repository ${fullName} has no numeric id and owner.id: ${z.prettifyError(parsed.error)}`,
    );
  }
  return { ownerId: parsed.data.owner.id, repositoryId: parsed.data.id };
}
