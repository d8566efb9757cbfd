// The administrator's policies for people (each account's documents with what to do with them)
// and for machines (`--json`, one object).
import {
  type AccountPolicy,
  type AdminPolicies,
  MANAGED_POLICY_LIMIT,
  policySize,
} from "./policy.ts";

/** Where the README lists what the bootstrap needs besides AWS. */
const TOKENS_SECTION = "README.md, Adopting → The tokens, exactly";

/** What `pnpm admin-policy --json` prints. */
export interface AdminPolicyReport {
  /** The size of one managed policy document, whitespace not counted. */
  limit: number;
  accounts: (AccountPolicy & { sizes: number[] })[];
  notCovered: string[];
}

/** What the policies leave to others: the other providers' credentials and the backend. */
export function notCovered(policies: AdminPolicies): string[] {
  return [
    ...policies.otherProviders.map((provider) =>
      provider === "github"
        ? `GitHub: the bootstrap's token (${TOKENS_SECTION})`
        : `${provider}: its provider's own credentials`,
    ),
    "the bootstrap's own Pulumi backend (Pulumi Cloud, or a file:// or s3:// backend the administrator already reaches)",
  ];
}

export function adminPolicyReport(policies: AdminPolicies): AdminPolicyReport {
  return {
    limit: MANAGED_POLICY_LIMIT,
    accounts: policies.accounts.map((account) => ({
      ...account,
      sizes: account.documents.map(policySize),
    })),
    notCovered: notCovered(policies),
  };
}

function accountText(account: AccountPolicy): string[] {
  const sizes = account.documents.map(policySize);
  const count =
    account.documents.length === 1
      ? `1 document, ${sizes[0] ?? 0} characters`
      : `${account.documents.length} documents (${sizes.join(", ")} characters): one would exceed ${MANAGED_POLICY_LIMIT}, attach them all`;
  return [
    `AWS account ${account.accountId} (${account.providers.join(", ")}; ${account.regions.join(", ")}): ${count}`,
    ...account.documents.flatMap((document, index) => [
      ...(account.documents.length === 1 ? [] : [`Document ${index + 1}:`]),
      JSON.stringify(document, null, 2),
    ]),
    ...(account.retained.length === 0
      ? []
      : [
          `Kept on destroy (retainOnDelete), so no delete permission: ${account.retained.join(", ")}.`,
        ]),
    "",
  ];
}

/** `pnpm admin-policy`: per account, its documents and what to do with them. */
export function renderAdminPolicyText(policies: AdminPolicies): string {
  return [
    `The administrator's AWS policy for the bootstrap (bootstrap/, stack identity), derived from its offline plan: ${policies.accounts.length} account(s).`,
    `In each account, create every document as a customer managed policy (at most ${MANAGED_POLICY_LIMIT} characters each, whitespace not counted) and attach it to the role or user that runs \`pulumi up\` in bootstrap/; it allows applying, updating and destroying the bootstrap there, and nothing else.`,
    "",
    ...policies.accounts.flatMap(accountText),
    `Not covered: ${notCovered(policies).join("; ")}.`,
    "",
  ].join("\n");
}
