// AWS, through AWS's own clients (they sign with SigV4 and find credentials the way the Pulumi
// provider does: keys in the environment, a profile, SSO, a web identity): whose credentials these
// are, and whether the stack's S3 state backend answers to them.
import { HeadBucketCommand, S3Client, S3ServiceException } from "@aws-sdk/client-s3";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { type Check, checksOf } from "./check.ts";
import { type Env, firstSet } from "./credentials.ts";

const { pass, fail } = checksOf("AWS");
const stateBackend = checksOf("State backend");

/** Client settings from `env` rather than from this process's environment. */
function clientSettings(env: Env, service: "STS" | "S3") {
  const keyId = firstSet(env, ["AWS_ACCESS_KEY_ID"]);
  const secret = firstSet(env, ["AWS_SECRET_ACCESS_KEY"]);
  const session = firstSet(env, ["AWS_SESSION_TOKEN"]);
  const profile = firstSet(env, ["AWS_PROFILE"]);
  // AWS_ENDPOINT_URL_<SERVICE>, else AWS_ENDPOINT_URL: the SDK's own order (@smithy/core,
  // endpoints/middleware-endpoint/adaptors/getEndpointUrlConfig.js).
  const endpoint = firstSet(env, [`AWS_ENDPOINT_URL_${service}`, "AWS_ENDPOINT_URL"]);
  return {
    ...(keyId === undefined || secret === undefined
      ? {}
      : {
          credentials: {
            accessKeyId: keyId.value,
            secretAccessKey: secret.value,
            ...(session === undefined ? {} : { sessionToken: session.value }),
          },
        }),
    ...(profile === undefined ? {} : { profile: profile.value }),
    ...(endpoint === undefined ? {} : { endpoint: endpoint.value }),
    maxAttempts: 2,
  };
}

/** The SDK found no credentials at all (its provider chain ends with this error). */
export function isMissingCredentials(error: unknown): boolean {
  return error instanceof Error && error.name === "CredentialsProviderError";
}

export type CallerIdentity =
  { ok: true; account: string; arn: string } | { ok: false; missing: boolean; message: string };

/**
 * STS GetCallerIdentity, which "No permissions are required to perform this operation" (AWS STS
 * API reference): the same question the program asks before it registers anything.
 */
export async function callerIdentity(env: Env, region: string): Promise<CallerIdentity> {
  const client = new STSClient({ region, ...clientSettings(env, "STS") });
  try {
    const answer = await client.send(new GetCallerIdentityCommand({}));
    return { ok: true, account: answer.Account ?? "", arn: answer.Arn ?? "" };
  } catch (error) {
    return {
      ok: false,
      missing: isMissingCredentials(error),
      message: String(error),
    };
  } finally {
    client.destroy();
  }
}

export function accountCheck(stack: string, expected: string, identity: CallerIdentity): Check {
  const id = "aws.account";
  const title = "Credentials and account";
  if (!identity.ok) {
    return fail(
      id,
      title,
      `AWS did not say whose the credentials are (${identity.message})`,
      "sign in again (aws sso login, or fresh keys), or check AWS_ENDPOINT_URL",
    );
  }
  if (identity.account !== expected) {
    return fail(
      id,
      title,
      `stack "${stack}" lives in account ${expected} (platform:aws.accountId), but the credentials are ${identity.arn} of account ${identity.account}`,
      `sign in to account ${expected} (AWS_PROFILE=<its profile>)\nor, if the stack really moved: pulumi config set --path aws.accountId '${identity.account}'`,
    );
  }
  return pass(id, title, `${identity.arn}, account ${identity.account} as the stack names`);
}

export interface S3BackendTarget {
  bucket: string;
  region: string;
  endpoint: string | undefined;
  forcePathStyle: boolean;
  profile: string | undefined;
}

/** HeadBucket on the state bucket: it answers only to credentials that may list it. */
export async function s3BackendCheck(env: Env, target: S3BackendTarget): Promise<Check> {
  const id = "backend.reachable";
  const title = `State backend s3://${target.bucket}`;
  const settings = clientSettings(env, "S3");
  const client = new S3Client({
    region: target.region,
    ...settings,
    ...(target.profile === undefined ? {} : { profile: target.profile }),
    ...(target.endpoint === undefined ? {} : { endpoint: target.endpoint }),
    forcePathStyle: target.forcePathStyle,
  });
  try {
    await client.send(new HeadBucketCommand({ Bucket: target.bucket }));
    return stateBackend.pass(id, title, "the bucket answers to these credentials");
  } catch (error) {
    const status = error instanceof S3ServiceException ? error.$metadata.httpStatusCode : undefined;
    const failed = stateBackend.fail;
    if (status === 404) {
      return failed(
        id,
        title,
        "no such bucket",
        "apply the bootstrap (README: Bootstrap), or pulumi login to the bootstrap's backend",
      );
    }
    if (status === 403) {
      return failed(
        id,
        title,
        "the bucket exists, but these credentials may not read it",
        "use the credentials of the stack's own account (its deploy role in CI)",
      );
    }
    if (status === 301) {
      return failed(
        id,
        title,
        "the bucket is in another region",
        "add ?region=<its region> to the backend URL (pulumi login)",
      );
    }
    return failed(
      id,
      title,
      String(error),
      "check the network, the credentials and the backend URL",
    );
  } finally {
    client.destroy();
  }
}
