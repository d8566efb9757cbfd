// IAM: every policy document the stack writes (CI roles' permissions and trust, bucket policies)
// grants named actions on named resources to named principals.
import {
  hasAnyonePrincipal,
  POLICY_CARRIERS,
  policyDocumentsOf,
  statementsOf,
  type PolicyDocumentInput,
  type Statement,
} from "../iam.ts";
import type { PlatformRule, ReportResource } from "../rule.ts";

/** Each readable document's statements, with a label that says where they are. */
function statementsIn(
  type: string,
  props: unknown,
  kinds: readonly PolicyDocumentInput["kind"][],
): { where: string; statement: Statement }[] {
  return policyDocumentsOf(type, props)
    .filter((entry) => kinds.includes(entry.kind))
    .flatMap(({ input, document }) =>
      document === undefined
        ? []
        : statementsOf(document).map((statement) => ({
            where: `${input} statement ${statement.label}`,
            statement,
          })),
    );
}

/** `*` alone, or every action of one service (`s3:*`). */
export function isWholeServiceAction(action: string): boolean {
  return action === "*" || /^[^:*]+:\*$/.test(action);
}

export const noWildcardPrincipal: PlatformRule = {
  id: "iam-no-wildcard-principal",
  description:
    "No policy statement names anyone (`*`) as its principal without a condition, and none allows through NotPrincipal.",
  remediation:
    "Name the principal (a service, a federated provider, an account), or limit `*` with a condition such as aws:SourceIp or aws:SecureTransport.",
  enforcementLevel: "mandatory",
  resourceTypes: POLICY_CARRIERS,
  checkResource: (args, _context, report: ReportResource) => {
    for (const { where, statement } of statementsIn(args.type, args.props, ["resource", "trust"])) {
      const conditioned =
        statement.condition !== undefined && Object.keys(statement.condition).length > 0;
      if (hasAnyonePrincipal(statement) && !conditioned) {
        report(`${where} names principal * without a condition`);
      }
      if (statement.notPrincipal && statement.effect === "Allow") {
        report(`${where} allows every principal but those in NotPrincipal`);
      }
    }
  },
};

export const noWildcardAction: PlatformRule = {
  id: "iam-no-wildcard-action",
  description:
    "No policy statement allows every action (`*`), every action of a service (`s3:*`), or all but some (NotAction).",
  remediation:
    "List the actions the principal needs (infra/delivery/ci-permissions.ts lists each API call); a Deny may keep `s3:*`.",
  enforcementLevel: "mandatory",
  resourceTypes: POLICY_CARRIERS,
  checkResource: (args, _context, report) => {
    for (const { where, statement } of statementsIn(args.type, args.props, [
      "identity",
      "resource",
      "trust",
    ])) {
      if (statement.effect !== "Allow") continue;
      if (statement.notAction) report(`${where} allows every action but those in NotAction`);
      const wide = statement.actions.filter(isWholeServiceAction);
      if (!statement.notAction && wide.length > 0) report(`${where} allows ${wide.join(", ")}`);
    }
  },
};

export const noWildcardResource: PlatformRule = {
  id: "iam-no-wildcard-resource",
  description:
    "No identity policy (role, user, group or managed policy) allows an action on every resource (`*` or NotResource).",
  remediation:
    "Name the ARNs the statement needs: the stack's buckets, its roles, its state (see infra/delivery/ci-permissions.ts).",
  enforcementLevel: "mandatory",
  resourceTypes: POLICY_CARRIERS,
  checkResource: (args, _context, report) => {
    for (const { where, statement } of statementsIn(args.type, args.props, ["identity"])) {
      if (statement.effect !== "Allow") continue;
      if (statement.notResource) report(`${where} allows every resource but those in NotResource`);
      if (statement.resources.includes("*")) report(`${where} allows Resource *`);
    }
  },
};

export const prefixWildcardActions: PlatformRule = {
  id: "iam-prefix-wildcard-actions",
  description:
    "Policy statements that allow actions by a prefix wildcard (e.g. s3:PutBucket*) are listed for review.",
  remediation:
    "Replace the prefix with the actions it is meant to cover when the list is short, or keep it with a comment saying which calls need it.",
  enforcementLevel: "advisory",
  advisoryReason:
    "A prefix wildcard stays inside one service and the statement's named resources, but grows when AWS adds actions under it; the CI roles use two (s3:GetBucket*, s3:PutBucket*) for the AWS provider's bucket calls, so they are reviewed, not blocked.",
  resourceTypes: POLICY_CARRIERS,
  checkResource: (args, _context, report) => {
    for (const { where, statement } of statementsIn(args.type, args.props, [
      "identity",
      "resource",
    ])) {
      if (statement.effect !== "Allow") continue;
      const prefixed = statement.actions.filter(
        (action) => action.includes("*") && !isWholeServiceAction(action),
      );
      if (prefixed.length > 0) report(`${where} allows ${prefixed.join(", ")}`);
    }
  },
};

export const IAM_RULES: readonly PlatformRule[] = [
  noWildcardPrincipal,
  noWildcardAction,
  noWildcardResource,
  prefixWildcardActions,
];
