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
import { escalationPaths } from "../escalation.ts";
import { ofType, referrers } from "../links.ts";
import type { PlatformRule, ReportResource } from "../rule.ts";
import { TYPES } from "../types.ts";
import { field, text } from "../values.ts";

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

const GITHUB_OIDC_PROVIDER = "oidc-provider/token.actions.githubusercontent.com";

/** The OIDC providers a role trusts that are GitHub's, from its trust policy. */
function githubProvidersTrusted(role: { type: string; props: unknown }): string[] {
  return statementsIn(role.type, role.props, ["trust"]).flatMap(({ statement }) =>
    (statement.principals.Federated ?? []).filter((arn) => arn.endsWith(GITHUB_OIDC_PROVIDER)),
  );
}

export const ciNoPrivilegeEscalation: PlatformRule = {
  id: "iam-ci-no-privilege-escalation",
  description:
    "No role that GitHub Actions assumes may raise privileges: no IAM write on *, on a CI role or on an OIDC provider, none without a permissions boundary, no iam:PassRole or sts:AssumeRole on *.",
  remediation:
    "Keep IAM out of CI's grants (infra/delivery/ci-permissions.ts): roles, their policies and the OIDC provider belong to the bootstrap project, which an administrator applies.",
  enforcementLevel: "mandatory",
  checkStack: (args, _context, report) => {
    const ciRoles = ofType(args.resources, TYPES.role).filter(
      (role) => githubProvidersTrusted(role).length > 0,
    );
    if (ciRoles.length === 0) args.notApplicable("no role trusts GitHub's OIDC tokens");
    const protectedArns = ciRoles.flatMap((role) => {
      const providers = githubProvidersTrusted(role);
      const account = /^arn:aws:iam::(\d{12}):/.exec(providers[0] ?? "")?.[1];
      const name = text(field(role.props, "name"));
      return [
        ...providers,
        ...(account === undefined || name === undefined
          ? []
          : [`arn:aws:iam::${account}:role/${name}`]),
      ];
    });
    for (const role of ciRoles) {
      const policies = [
        role,
        ...referrers(args.resources, TYPES.rolePolicy, "role", role),
        ...ofType(args.resources, TYPES.rolePolicy).filter(
          (policy) =>
            text(field(policy.props, "role")) !== undefined &&
            text(field(policy.props, "role")) === text(field(role.props, "name")),
        ),
      ];
      const seen = new Set<string>();
      for (const policy of policies) {
        if (seen.has(policy.urn)) continue;
        seen.add(policy.urn);
        const statements = statementsIn(policy.type, policy.props, ["identity"]).map(
          ({ statement }) => statement,
        );
        for (const path of escalationPaths(statements, protectedArns)) {
          report(`CI role ${text(field(role.props, "name")) ?? role.name}: ${path}`, policy.urn);
        }
      }
    }
  },
};

export const IAM_RULES: readonly PlatformRule[] = [
  ciNoPrivilegeEscalation,
  noWildcardPrincipal,
  noWildcardAction,
  noWildcardResource,
  prefixWildcardActions,
];
