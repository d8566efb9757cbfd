// The administrator's IAM policy for the bootstrap, per AWS account, from what the bootstrap
// registers under the mock runtime: every AWS resource and function it uses, through the
// explicit provider that names its account, mapped to the provider's calls (actions.ts) and
// scoped to the resources' own ARNs. Nothing here knows the bootstrap's names: they come from the
// recorded inputs, so a renamed role or bucket changes the policy with the code.
import type { ProgramRun, RecordedResource } from "../mock/run-program.ts";
import {
  type AwsResource,
  type Condition,
  FUNCTION_ACTIONS,
  PROVIDER_ACTIONS,
  PROVIDER_TYPE,
  RESOURCE_ACTIONS,
  type ResourceEntry,
  TABLE_FILE,
} from "./actions.ts";

/**
 * The size of a customer managed policy, in characters, whitespace not counted (IAM User Guide,
 * IAM and AWS STS quotas: "Managed policy size: 6,144 characters"; "IAM doesn't count white
 * space when calculating the size of a policy").
 */
export const MANAGED_POLICY_LIMIT = 6144;

export interface PolicyStatement {
  Sid: string;
  Effect: "Allow";
  Action: string[];
  Resource: string[];
  Condition?: Condition;
}

export interface PolicyDocument {
  Version: "2012-10-17";
  Statement: PolicyStatement[];
}

export interface AccountPolicy {
  accountId: string;
  /** Names of the bootstrap's AWS providers in the account (one per environment). */
  providers: string[];
  regions: string[];
  /** One document, or several when one would exceed MANAGED_POLICY_LIMIT: attach them all. */
  documents: PolicyDocument[];
  /** Resources kept on destroy (retainOnDelete): their delete calls are not granted. */
  retained: string[];
}

export interface AdminPolicies {
  accounts: AccountPolicy[];
  /** Providers of other clouds the bootstrap also uses, which this policy does not cover. */
  otherProviders: string[];
}

/** Everything the table could not map, listed at once. */
export class AdminPolicyError extends Error {}

interface AwsProvider {
  name: string;
  accountId: string;
  region: string;
  tags: Record<string, string>;
}

export interface Grant {
  statement: string;
  action: string;
  resource: string;
  condition?: Condition;
}

/** Providers receive structured settings as JSON text. */
function structured(value: unknown): unknown {
  if (typeof value !== "string") return value;
  try {
    return JSON.parse(value) as unknown;
  } catch {
    return value;
  }
}

function stringRecord(value: unknown): Record<string, string> {
  if (typeof value !== "object" || value === null) return {};
  return Object.fromEntries(
    Object.entries(value).filter(
      (entry): entry is [string, string] => typeof entry[1] === "string",
    ),
  );
}

/** `aws-cn` and `aws-us-gov` regions live in partitions of their own (their ARNs say so). */
function partitionOf(region: string): string {
  if (region.startsWith("cn-")) return "aws-cn";
  if (region.startsWith("us-gov-")) return "aws-us-gov";
  return "aws";
}

/** The bootstrap's explicit AWS providers, by the reference resources carry (`<urn>::<id>`). */
function awsProviders(run: ProgramRun, problems: string[]): Map<string, AwsProvider> {
  const providers = new Map<string, AwsProvider>();
  for (const resource of run.resources.filter(({ type }) => type === PROVIDER_TYPE)) {
    const accounts = structured(resource.inputs.allowedAccountIds);
    const region = resource.inputs.region;
    if (!Array.isArray(accounts) || accounts.length !== 1 || typeof accounts[0] !== "string") {
      problems.push(
        `provider ${resource.name} names no single account in allowedAccountIds: the policy is per account, so each AWS provider of the bootstrap is locked to one`,
      );
      continue;
    }
    if (typeof region !== "string") {
      problems.push(`provider ${resource.name} sets no region`);
      continue;
    }
    const defaultTags = structured(resource.inputs.defaultTags) as { tags?: unknown } | undefined;
    providers.set(`${resource.urn}::${resource.id}`, {
      name: resource.name,
      accountId: accounts[0],
      region,
      tags: stringRecord(defaultTags?.tags),
    });
  }
  return providers;
}

/** The calls one resource needs, on the ARNs they are authorized on. */
function grantsOf(entry: ResourceEntry, resource: RecordedResource, subject: AwsResource): Grant[] {
  const tagged = Object.keys(subject.tags).length > 0;
  const actions = new Set([
    ...entry.create,
    ...entry.read,
    ...Object.keys(resource.inputs).flatMap((key) => entry.inputs[key] ?? []),
    ...(resource.retainOnDelete ? [] : entry.delete),
    ...(tagged && entry.tags !== undefined
      ? [...entry.tags.create, ...entry.tags.read, ...entry.tags.update]
      : []),
  ]);
  const arns = entry.arns(subject);
  const elsewhere = entry.elsewhere?.(subject) ?? {};
  return [...actions].flatMap((action): Grant[] => {
    const other = elsewhere[action];
    if (other === undefined) {
      return arns.map((arn) => ({ statement: entry.statement, action, resource: arn }));
    }
    return other.resources.map((arn) => ({
      statement: other.statement,
      action,
      resource: arn,
      ...(other.condition === undefined ? {} : { condition: other.condition }),
    }));
  });
}

function unknownInputs(entry: ResourceEntry, resource: RecordedResource): string[] {
  return Object.keys(resource.inputs).filter(
    (key) => !(key in entry.inputs) && !(key === "tags" && entry.tags !== undefined),
  );
}

/**
 * Statements from grants: per statement name and condition, the resources that need the same
 * actions share one statement, so no resource gets an action another one needed.
 */
export function statementsOf(grants: readonly Grant[]): PolicyStatement[] {
  const groups = new Map<
    string,
    { statement: string; condition?: Condition; actions: Map<string, Set<string>> }
  >();
  for (const { statement, action, resource, condition } of grants) {
    const key = JSON.stringify([statement, condition ?? null]);
    const group = groups.get(key) ?? {
      statement,
      ...(condition === undefined ? {} : { condition }),
      actions: new Map<string, Set<string>>(),
    };
    const actions = group.actions.get(resource) ?? new Set<string>();
    actions.add(action);
    group.actions.set(resource, actions);
    groups.set(key, group);
  }
  const statements = [...groups.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .flatMap(([, { statement, condition, actions }]) => {
      const byActions = new Map<string, { actions: string[]; resources: string[] }>();
      for (const [resource, set] of actions) {
        const sorted = [...set].sort();
        const key = sorted.join(" ");
        const shared = byActions.get(key) ?? { actions: sorted, resources: [] };
        shared.resources.push(resource);
        byActions.set(key, shared);
      }
      return [...byActions.entries()]
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([, shared]): PolicyStatement => ({
          Sid: statement,
          Effect: "Allow",
          Action: shared.actions,
          Resource: shared.resources.sort(),
          ...(condition === undefined ? {} : { Condition: condition }),
        }));
    });
  // Sids are unique within a policy: number those that share a name.
  const counts = new Map<string, number>();
  for (const { Sid } of statements) counts.set(Sid, (counts.get(Sid) ?? 0) + 1);
  const seen = new Map<string, number>();
  return statements.map((statement) => {
    if (counts.get(statement.Sid) === 1) return statement;
    const index = (seen.get(statement.Sid) ?? 0) + 1;
    seen.set(statement.Sid, index);
    return { ...statement, Sid: `${statement.Sid}${index}` };
  });
}

/** The size IAM counts: the document without whitespace outside its strings. */
export function policySize(document: PolicyDocument): number {
  return JSON.stringify(document).length;
}

const documentOf = (statements: PolicyStatement[]): PolicyDocument => ({
  Version: "2012-10-17",
  Statement: statements,
});

/** Statements packed, in order, into as few documents of at most `limit` characters as fit. */
export function packDocuments(
  statements: readonly PolicyStatement[],
  limit = MANAGED_POLICY_LIMIT,
): PolicyDocument[] {
  const documents: PolicyStatement[][] = [];
  let current: PolicyStatement[] = [];
  for (const statement of statements) {
    if (policySize(documentOf([statement])) > limit) {
      throw new AdminPolicyError(
        `statement ${statement.Sid} alone is ${policySize(documentOf([statement]))} characters, over the ${limit} of a managed policy: split its resources in ${TABLE_FILE}`,
      );
    }
    if (current.length > 0 && policySize(documentOf([...current, statement])) > limit) {
      documents.push(current);
      current = [];
    }
    current.push(statement);
  }
  if (current.length > 0) documents.push(current);
  return documents.map(documentOf);
}

/** The administrator's policy of every AWS account the run's providers name. */
export function adminPolicies(run: ProgramRun): AdminPolicies {
  const problems: string[] = [];
  const providers = awsProviders(run, problems);
  const bucketNames = new Map(
    run.resources
      .filter(({ type }) => type === "aws:s3/bucket:Bucket")
      .map((bucket) => [bucket.id, String(bucket.inputs.bucket)]),
  );
  const grants = new Map<string, Grant[]>();
  const retained = new Map<string, string[]>();
  const otherProviders = new Set<string>();
  const providerOf = (reference: string | undefined, what: string) => {
    const provider = reference === undefined ? undefined : providers.get(reference);
    if (provider === undefined) {
      problems.push(
        `${what} uses the default AWS provider: the bootstrap gives every AWS resource and call the explicit provider of its account (allowedAccountIds), or the policy cannot say which account needs it`,
      );
    }
    return provider;
  };

  for (const resource of run.resources) {
    const [pkg = ""] = resource.type.split(":");
    if (!resource.custom || resource.type === PROVIDER_TYPE) continue;
    if (pkg !== "aws") {
      if (pkg !== "pulumi") otherProviders.add(pkg);
      continue;
    }
    const what = `${resource.type} ${resource.name}`;
    const entry = RESOURCE_ACTIONS[resource.type];
    if (entry === undefined) {
      problems.push(
        `${what}: the type has no entry in ${TABLE_FILE}; add the IAM actions its Terraform resource calls in create, read, update and delete, with the provider file they come from`,
      );
      continue;
    }
    const extra = unknownInputs(entry, resource);
    if (extra.length > 0) {
      problems.push(
        `${what} sets ${extra.join(", ")}, which ${TABLE_FILE} does not account for (${entry.terraform}): add the calls a change of it makes, from ${entry.source.split(" ")[0] ?? entry.terraform}`,
      );
      continue;
    }
    const provider = providerOf(resource.provider, what);
    if (provider === undefined) continue;
    const subject: AwsResource = {
      type: resource.type,
      name: resource.name,
      inputs: resource.inputs,
      accountId: provider.accountId,
      region: provider.region,
      partition: partitionOf(provider.region),
      tags: { ...provider.tags, ...stringRecord(resource.inputs.tags) },
      bucketNamed: (id) => bucketNames.get(id) ?? id,
    };
    grants.set(provider.accountId, [
      ...(grants.get(provider.accountId) ?? []),
      ...grantsOf(entry, resource, subject),
    ]);
    if (resource.retainOnDelete) {
      retained.set(provider.accountId, [...(retained.get(provider.accountId) ?? []), what]);
    }
  }

  for (const call of run.calls) {
    if (!call.token.startsWith("aws:")) continue;
    const entry = FUNCTION_ACTIONS[call.token];
    if (entry === undefined) {
      problems.push(
        `function ${call.token}: no entry in ${TABLE_FILE}; add the IAM actions its Terraform data source calls, with the provider file they come from`,
      );
      continue;
    }
    const provider = providerOf(call.provider, `function ${call.token}`);
    if (provider === undefined || entry.actions.length === 0) continue;
    grants.set(provider.accountId, [
      ...(grants.get(provider.accountId) ?? []),
      ...entry.actions.map((action) => ({ statement: "Functions", action, resource: "*" })),
    ]);
  }

  if (problems.length > 0) {
    throw new AdminPolicyError(
      `The administrator's policy cannot be derived from the bootstrap:\n${problems.map((problem) => `  - ${problem}`).join("\n")}`,
    );
  }

  const accounts = new Map<string, AwsProvider[]>();
  for (const provider of providers.values()) {
    accounts.set(provider.accountId, [...(accounts.get(provider.accountId) ?? []), provider]);
  }
  return {
    accounts: [...accounts.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([accountId, own]) => ({
        accountId,
        providers: own.map(({ name }) => name).sort(),
        regions: [...new Set(own.map(({ region }) => region))].sort(),
        documents: packDocuments(
          statementsOf([
            ...(grants.get(accountId) ?? []),
            ...PROVIDER_ACTIONS.map((action) => ({ statement: "Provider", action, resource: "*" })),
          ]),
        ),
        retained: (retained.get(accountId) ?? []).sort(),
      })),
    otherProviders: [...otherProviders].sort(),
  };
}
