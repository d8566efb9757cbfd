// Paths to privilege escalation in the identity policies of roles that CI assumes. A CI role that
// may write IAM can grant itself anything: create or change a role or policy (its own included),
// pass a role to a service, or change the OIDC provider every CI role trusts. The platform's CI
// roles hold no IAM write at all (infra/delivery/ci-permissions.ts); these checks keep it so, and
// name every path a change would open:
// - an IAM write on `*`, or through `NotAction` / `NotResource`;
// - an IAM write whose resource pattern matches a CI role or an OIDC provider;
// - an IAM write without a condition on `iam:PermissionsBoundary` (the one condition that keeps a
//   created role inside a boundary: IAM user guide, "Permissions boundaries for IAM entities");
// - `iam:PassRole` on `*`, and `sts:AssumeRole` on `*` (lateral moves into any other role).
import type { Statement } from "./iam.ts";
import { isRecord } from "./values.ts";

/** IAM actions that change nothing: everything else in the `iam:` service writes. */
const IAM_READ_PREFIXES = ["Get", "List", "Generate", "Simulate"];

/** Whether an IAM policy pattern (`*` any run of characters, `?` one) matches `value`. */
export function iamPatternMatches(pattern: string, value: string): boolean {
  const regex = pattern
    .replace(/[.+^${}()|[\]\\]/g, "\\$&")
    .replace(/\*/g, ".*")
    .replace(/\?/g, ".");
  return new RegExp(`^${regex}$`, "i").test(value);
}

/** Whether an action pattern of a statement can grant an IAM write. */
export function grantsIamWrite(action: string): boolean {
  if (action === "*") return true;
  const [service = "", name = ""] = action.split(":");
  if (service.toLowerCase() !== "iam") return false;
  // A pattern (`iam:*`, `iam:Put*`) writes unless every action it matches starts with a read verb.
  return !IAM_READ_PREFIXES.some((prefix) => name.startsWith(prefix));
}

function hasBoundaryCondition(statement: Statement): boolean {
  return Object.values(statement.condition ?? {}).some(
    (claims) =>
      isRecord(claims) &&
      Object.keys(claims).some((key) => key.toLowerCase() === "iam:permissionsboundary"),
  );
}

/** Every escalation path one Allow statement opens, as sentences. */
export function escalationPathsOf(
  statement: Statement,
  /** ARNs of the CI roles and OIDC providers, which no CI statement may reach. */
  protectedArns: readonly string[],
): string[] {
  if (statement.effect !== "Allow") return [];
  const where = `statement ${statement.label}`;
  if (statement.notAction) {
    return [`${where} allows every action but ${statement.actions.join(", ")} (NotAction)`];
  }
  const found: string[] = [];
  const everywhere = statement.notResource || statement.resources.includes("*");
  const writes = statement.actions.filter(grantsIamWrite);
  if (writes.length > 0) {
    const actions = writes.join(", ");
    if (everywhere) found.push(`${where} allows the IAM write ${actions} on every resource`);
    for (const arn of protectedArns) {
      const reaching = statement.resources.filter((resource) => iamPatternMatches(resource, arn));
      if (reaching.length > 0) {
        found.push(`${where} allows ${actions} on ${reaching.join(", ")}, which matches ${arn}`);
      }
    }
    if (!hasBoundaryCondition(statement)) {
      found.push(`${where} allows ${actions} without an iam:PermissionsBoundary condition`);
    }
  }
  const assumesAny =
    everywhere && statement.actions.some((action) => iamPatternMatches(action, "sts:AssumeRole"));
  if (assumesAny) found.push(`${where} allows sts:AssumeRole on every role`);
  return found;
}

/** Every escalation path of a policy document's statements. */
export function escalationPaths(
  statements: readonly Statement[],
  protectedArns: readonly string[],
): string[] {
  return statements.flatMap((statement) => escalationPathsOf(statement, protectedArns));
}
