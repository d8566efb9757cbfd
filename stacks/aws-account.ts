// One AWS account per environment, checked before anything is registered, like the DigitalOcean
// team (digitalocean-team.ts). Two locks:
// - the program asks STS whose credentials it holds (GetCallerIdentity, which needs no permission:
//   AWS STS API reference, "No permissions are required to perform this operation") through a
//   provider used for nothing else, and stops with both ids and the fix, before any resource;
// - the provider every resource uses refuses credentials of any other account by itself
//   (`allowedAccountIds`, the AWS provider's `allowed_account_ids`: "List of allowed AWS account
//   IDs to prevent you from mistakenly using an incorrect one"). It fails while it configures, so
//   it cannot be the one that asks: its error would replace the one below.
import type * as Aws from "@pulumi/aws";
import { aws } from "../infra/sdk/aws.ts";
import * as pulumi from "@pulumi/pulumi";

export interface AwsAccountArgs {
  /** The 12-digit account the environment lives in (`platform:aws.accountId`). */
  accountId: string;
  region: string;
  environment: string;
}

/** AWS for this environment: its account only, in the assets' region, tagging what it creates. */
export function environmentAwsProvider({ accountId, region, environment }: AwsAccountArgs) {
  return new aws.Provider("aws", {
    region,
    allowedAccountIds: [accountId],
    defaultTags: { tags: { platform: "platform", environment } },
  });
}

/** The same credentials without the account lock, to ask whose they are (and nothing else). */
export function identityProbeProvider(region: string) {
  return new aws.Provider("aws-identity", { region });
}

const HOW_TO_AUTHENTICATE =
  "sign in to that account (AWS_PROFILE=<its profile>, or the credentials of the environment's CI role)";

/** Why the credentials' account is not the stack's, or undefined when it is. */
export function accountMismatch(
  stack: string,
  expected: string,
  actual: string,
): string | undefined {
  if (actual === expected) return undefined;
  return [
    `Stack "${stack}" lives in the AWS account ${expected} (platform:aws.accountId), but the AWS credentials belong to account ${actual}. Nothing was changed.`,
    `  fix: ${HOW_TO_AUTHENTICATE}`,
    `   or, if this stack really moved to ${actual}: pulumi config set --path aws.accountId '${actual}'`,
  ].join("\n");
}

/** Stops the program, before it registers any resource, when the credentials are another account's. */
export async function requireAwsAccount(
  stack: string,
  expected: string,
  provider: Aws.Provider,
): Promise<void> {
  let actual: string;
  try {
    ({ accountId: actual } = await aws.getCallerIdentity({}, { provider }));
  } catch (error) {
    throw new pulumi.RunError(
      `Could not ask AWS whose credentials these are (STS GetCallerIdentity): ${String(error)}. Stack "${stack}" needs credentials of account ${expected}: ${HOW_TO_AUTHENTICATE}.`,
    );
  }
  const problem = accountMismatch(stack, expected, actual);
  if (problem !== undefined) throw new pulumi.RunError(problem);
}
