// GitHub Actions' OpenID Connect issuer as an AWS identity provider: CI assumes roles with the
// short-lived token each job gets, so no AWS key is stored anywhere.
import { aws } from "../sdk/aws.ts";
import * as pulumi from "@pulumi/pulumi";
import { PlatformComponent } from "../core/component.ts";

/** The issuer of Actions' OIDC tokens; its claims are prefixed with it in trust policies. */
export const GITHUB_OIDC_ISSUER = "token.actions.githubusercontent.com";

/** The audience `aws-actions/configure-aws-credentials` requests. */
export const STS_AUDIENCE = "sts.amazonaws.com";

export interface GitHubOidcProviderArgs {
  /**
   * Whether this stack creates the provider. AWS refuses a second provider for the same issuer
   * URL in an account (EntityAlreadyExists), so exactly one stack per account owns it; the others
   * use its ARN, which the owner must have created first.
   */
  owned: boolean;
  /** The AWS account both live in. */
  accountId: pulumi.Input<string>;
}

/**
 * An OIDC provider's ARN is its account and its URL without the scheme (IAM identifiers,
 * "arn:aws:iam::account:oidc-provider/provider-name"). Derived rather than looked up: a lookup
 * by URL lists every provider of the account (iam:ListOpenIDConnectProviders on `*`), a right
 * CI's roles would otherwise need.
 */
export function oidcProviderArn(accountId: string): string {
  return `arn:aws:iam::${accountId}:oidc-provider/${GITHUB_OIDC_ISSUER}`;
}

/** The account's identity provider for GitHub Actions: created here, or found. */
export class GitHubOidcProvider extends PlatformComponent {
  readonly arn: pulumi.Output<string>;

  constructor(name: string, args: GitHubOidcProviderArgs, opts?: pulumi.ComponentResourceOptions) {
    super("delivery", "GitHubOidcProvider", name, opts);
    const url = `https://${GITHUB_OIDC_ISSUER}`;
    this.arn = args.owned
      ? new aws.iam.OpenIdConnectProvider(
          `${name}-provider`,
          {
            url,
            clientIdLists: [STS_AUDIENCE],
            // No thumbprint: AWS trusts GitHub's issuer through its own root CAs and ignores the
            // thumbprint for it ("AWS secures communication with ... GitHub using our library of
            // trusted root CAs", IAM user guide, Create an OIDC provider); the provider made the
            // argument optional for this (terraform-provider-aws #35112).
          },
          // The other stacks' roles trust it: deleting it with this stack would lock their CI out.
          { parent: this, protect: true, retainOnDelete: true },
        ).arn
      : pulumi.output(args.accountId).apply(oidcProviderArn);
    this.registerOutputs({ arn: this.arn });
  }
}
