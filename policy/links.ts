// How a stack rule finds the resources one resource refers to (the bucket a public access block
// configures, the database a firewall guards). Ids cannot serve: a resource still to be created
// has none during a preview, and the offline plan's are invented. The engine tells each
// resource's dependencies instead, per property (`propertyDependencies`) and in all
// (`dependencies`); the offline plan records the latter.
import type { PolicyResource } from "@pulumi/policy";

/** The resources `property` of `resource` depends on, or all its dependencies when not told. */
export function targetsOf(resource: PolicyResource, property: string): PolicyResource[] {
  const byProperty = resource.propertyDependencies[property];
  return byProperty !== undefined && byProperty.length > 0 ? byProperty : resource.dependencies;
}

export function ofType(resources: readonly PolicyResource[], type: string): PolicyResource[] {
  return resources.filter((resource) => resource.type === type);
}

/** The resources of `type` whose `property` refers to `target`. */
export function referrers(
  resources: readonly PolicyResource[],
  type: string,
  property: string,
  target: PolicyResource,
): PolicyResource[] {
  return ofType(resources, type).filter((resource) =>
    targetsOf(resource, property).some((candidate) => candidate.urn === target.urn),
  );
}
