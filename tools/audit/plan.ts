// What only the plan shows (firewall rules, bucket policies, IAM grants, encryption settings,
// alerts, protection rules), found by the policy pack's type table and read by its JSON readers.
import { statementsOf, type Statement } from "../../policy/iam.ts";
import { jsonDocument, text } from "../../policy/values.ts";
import type { ManifestResource } from "../plan/render.ts";

export type Resource = ManifestResource;

/** A string input, or "" when it is none. */
export const str = (value: unknown): string => text(value) ?? "";

export const ofType = (resources: readonly Resource[], type: string): Resource[] =>
  resources.filter((resource) => resource.type === type);

/** Resources of `type` that depend on `target` (through an input or `dependsOn`). */
export const dependents = (resources: readonly Resource[], type: string, target: Resource) =>
  ofType(resources, type).filter((resource) => resource.dependsOn.includes(target.urn));

/** The statements of an IAM policy document (JSON text or object); none when it is masked. */
export function statements(document: unknown): Statement[] {
  const json = jsonDocument(document);
  return json === undefined ? [] : statementsOf(json);
}
