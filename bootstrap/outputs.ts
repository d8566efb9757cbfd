// The bootstrap stack's one exported object, `bootstrap`: the trust model as an auditor reads it
// with `pulumi stack output --json` (in bootstrap/): who may deploy and preview what, from which
// refs, after whose approval, with which AWS role, and what protects the refs that deploy.
import type * as pulumi from "@pulumi/pulumi";
import type { Flow } from "./config.ts";
import type { EnvironmentKind } from "./identity.ts";

export interface EnvironmentOutput {
  name: string;
  /** `deploy` changes the stack; `preview` (pull requests) and `drift` (schedule) only read it. */
  kind: EnvironmentKind;
  /** The platform stack the environment's jobs run. */
  stack: string;
  /** `branch:<name>`, `tag:<pattern>`, or `any branch` (a preview environment). */
  deployFrom: string;
  /** Who approves each job (logins and team slugs); nobody approves their own run. */
  reviewers: { users: string[]; teams: string[] };
  /** Names of the variables the bootstrap writes there (never values). */
  variables: string[];
  /** The AWS role the environment's jobs assume, and the only OIDC subject it trusts. */
  awsRole: { arn: pulumi.Output<string>; trusts: pulumi.Output<string> };
}

export interface RulesetOutput {
  name: string;
  target: "branch" | "tag";
  refs: string[];
  rules: string[];
}

export interface BootstrapOutputs {
  repository: string;
  flow: Flow;
  environments: EnvironmentOutput[];
  rulesets: RulesetOutput[];
  /** GitHub's OIDC provider in each AWS account, created here or found. */
  oidcProviders: { accountId: string; arn: pulumi.Output<string>; created: boolean }[];
  /** Per environment with an S3 backend: its URL and the secrets provider its stack uses. */
  stateBackends: { environment: string; url: string; secretsProvider: pulumi.Output<string> }[];
}
