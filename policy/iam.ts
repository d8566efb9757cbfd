// IAM policy documents (identity policies, bucket policies, trust policies) as the rules read them:
// every statement with its lists normalised, whatever single-value shorthand the document used.
import { isRecord, jsonDocument, texts, type Json } from "./values.ts";
import { TYPES } from "./types.ts";

export interface Statement {
  /** `Sid`, or the statement's position when it has none. */
  label: string;
  effect: string;
  actions: string[];
  /** `NotAction` present: the statement covers every action but the listed ones. */
  notAction: boolean;
  resources: string[];
  /** `NotResource` present: the statement covers every resource but the listed ones. */
  notResource: boolean;
  /** Every principal named, by kind (`AWS`, `Service`, `Federated`, or `*` for `"Principal": "*"`). */
  principals: Record<string, string[]>;
  notPrincipal: boolean;
  condition: Json | undefined;
}

function principalsOf(value: unknown): Record<string, string[]> {
  if (value === "*") return { "*": ["*"] };
  if (!isRecord(value)) return {};
  return Object.fromEntries(Object.entries(value).map(([kind, names]) => [kind, texts(names)]));
}

export function statementsOf(document: Json): Statement[] {
  const raw = document.Statement;
  const list = Array.isArray(raw) ? raw : [raw];
  return list.filter(isRecord).map((statement, index) => ({
    label: typeof statement.Sid === "string" ? statement.Sid : `#${String(index + 1)}`,
    effect: typeof statement.Effect === "string" ? statement.Effect : "",
    actions: texts(statement.Action ?? statement.NotAction),
    notAction: statement.NotAction !== undefined,
    resources: texts(statement.Resource ?? statement.NotResource),
    notResource: statement.NotResource !== undefined,
    principals: principalsOf(statement.Principal ?? statement.NotPrincipal),
    notPrincipal: statement.NotPrincipal !== undefined,
    condition: isRecord(statement.Condition) ? statement.Condition : undefined,
  }));
}

/** Whether the statement applies to anyone: `"*"` or `{"AWS": "*"}`. */
export function hasAnyonePrincipal(statement: Statement): boolean {
  return Object.entries(statement.principals).some(
    ([kind, names]) => (kind === "*" || kind === "AWS") && names.includes("*"),
  );
}

/** The documents a resource carries, each with the input it came from. */
export interface PolicyDocumentInput {
  input: string;
  /** Undefined when the input is no readable JSON (e.g. masked in an offline plan). */
  document: Json | undefined;
  /** Identity policies name no principal; bucket and trust policies do. */
  kind: "identity" | "resource" | "trust";
}

/** Every IAM policy document among the inputs of a resource of the given type. */
export function policyDocumentsOf(type: string, props: unknown): PolicyDocumentInput[] {
  const input = (name: string, kind: PolicyDocumentInput["kind"]): PolicyDocumentInput[] =>
    isRecord(props) && props[name] !== undefined
      ? [{ input: name, document: jsonDocument(props[name]), kind }]
      : [];
  switch (type) {
    case TYPES.bucketPolicy:
      return input("policy", "resource");
    case TYPES.rolePolicy:
    case TYPES.iamPolicy:
    case TYPES.userPolicy:
    case TYPES.groupPolicy:
      return input("policy", "identity");
    case TYPES.role: {
      const inline =
        isRecord(props) && Array.isArray(props.inlinePolicies) ? props.inlinePolicies : [];
      return [
        ...input("assumeRolePolicy", "trust"),
        ...inline.filter(isRecord).map((policy, index) => ({
          input: `inlinePolicies[${String(index)}].policy`,
          document: jsonDocument(policy.policy),
          kind: "identity" as const,
        })),
      ];
    }
    default:
      return [];
  }
}

/** The resource types whose inputs hold IAM policy documents. */
export const POLICY_CARRIERS: readonly string[] = [
  TYPES.bucketPolicy,
  TYPES.rolePolicy,
  TYPES.iamPolicy,
  TYPES.userPolicy,
  TYPES.groupPolicy,
  TYPES.role,
];
