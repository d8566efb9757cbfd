// The controls every bucket of the platform shares: private (all four public-access blocks),
// owner-enforced (no ACLs), encrypted (SSE-S3), versioned, with replaced versions and unfinished
// uploads expiring. The asset bucket, its log bucket and the state backend's buckets all start
// from it.
import type * as Aws from "@pulumi/aws";
import { aws } from "../sdk/aws.ts";
import * as pulumi from "@pulumi/pulumi";
import { logBucketPolicy } from "./bucket-policies.ts";

export interface LockedBucketOptions {
  /** Keep the bucket, and its objects, from being deleted: protect and retainOnDelete. */
  protect: boolean;
  /** Days a replaced or deleted object version is kept. */
  noncurrentDays: number;
  /** Days before an unfinished multipart upload is aborted. */
  abortAfterDays: number;
  /** Days before a current object expires; undefined keeps objects. */
  expireAfterDays?: number;
}

export interface LockedBucket {
  bucket: Aws.s3.Bucket;
  /** Policies must wait for it: S3 refuses a policy while the block is being written. */
  publicAccessBlock: Aws.s3.BucketPublicAccessBlock;
}

/**
 * The controls every locked bucket has: its resources set these values, and auditors read the
 * same ones (`lockedBucketControls`). Encryption is SSE-S3: S3 access logs can only land in an
 * SSE-S3 bucket.
 */
export const LOCKED_BUCKET = {
  publicAccessBlock: {
    blockPublicAcls: true,
    ignorePublicAcls: true,
    blockPublicPolicy: true,
    restrictPublicBuckets: true,
  } satisfies Record<string, true>,
  objectOwnership: "BucketOwnerEnforced",
  encryption: "AES256",
  versioning: "Enabled",
} as const;

/** The controls on a bucket, for auditors. */
export interface BucketControls {
  name: string;
  /** Every one of `LOCKED_BUCKET.publicAccessBlock` is `true` (its type says so). */
  publicAccessBlock: "all four on";
  objectOwnership: typeof LOCKED_BUCKET.objectOwnership;
  encryption: typeof LOCKED_BUCKET.encryption;
  versioning: typeof LOCKED_BUCKET.versioning;
  /** The bucket's policy denies every request without TLS (`denyInsecureTransport`). */
  tlsOnly: true;
  noncurrentVersionExpirationDays: number;
  protected: boolean;
}

/** A locked bucket's controls as auditors read them, from the values its resources set. */
export function lockedBucketControls(
  bucketName: string,
  options: Pick<LockedBucketOptions, "protect" | "noncurrentDays">,
): BucketControls {
  return {
    name: bucketName,
    publicAccessBlock: "all four on",
    objectOwnership: LOCKED_BUCKET.objectOwnership,
    encryption: LOCKED_BUCKET.encryption,
    versioning: LOCKED_BUCKET.versioning,
    tlsOnly: true,
    noncurrentVersionExpirationDays: options.noncurrentDays,
    protected: options.protect,
  };
}

export function lockedBucket(
  parent: pulumi.Resource,
  name: string,
  bucketName: string,
  options: LockedBucketOptions,
): LockedBucket {
  const { protect } = options;
  const bucket = new aws.s3.Bucket(
    `${name}-bucket`,
    { bucket: bucketName, forceDestroy: false },
    { parent, protect, retainOnDelete: protect },
  );
  const publicAccessBlock = new aws.s3.BucketPublicAccessBlock(
    `${name}-public-access-block`,
    { bucket: bucket.id, ...LOCKED_BUCKET.publicAccessBlock },
    { parent },
  );
  new aws.s3.BucketOwnershipControls(
    `${name}-ownership`,
    { bucket: bucket.id, rule: { objectOwnership: LOCKED_BUCKET.objectOwnership } },
    { parent },
  );
  new aws.s3.BucketServerSideEncryptionConfiguration(
    `${name}-encryption`,
    {
      bucket: bucket.id,
      rules: [
        {
          applyServerSideEncryptionByDefault: { sseAlgorithm: LOCKED_BUCKET.encryption },
          bucketKeyEnabled: true,
        },
      ],
    },
    { parent },
  );
  const versioning = new aws.s3.BucketVersioning(
    `${name}-versioning`,
    { bucket: bucket.id, versioningConfiguration: { status: LOCKED_BUCKET.versioning } },
    { parent },
  );
  new aws.s3.BucketLifecycleConfiguration(
    `${name}-lifecycle`,
    {
      bucket: bucket.id,
      rules: [
        {
          id: "expire-noncurrent-versions",
          status: "Enabled",
          filter: {},
          noncurrentVersionExpiration: { noncurrentDays: options.noncurrentDays },
          abortIncompleteMultipartUpload: { daysAfterInitiation: options.abortAfterDays },
          ...(options.expireAfterDays === undefined
            ? {}
            : { expiration: { days: options.expireAfterDays } }),
        },
      ],
    },
    // Lifecycle rules on versions need versioning to be on first.
    { parent, dependsOn: [versioning] },
  );
  return { bucket, publicAccessBlock };
}

export interface LoggedBucketOptions extends Omit<LockedBucketOptions, "expireAfterDays"> {
  /** Days an access log is kept. */
  logRetentionDays: number;
}

/**
 * A locked bucket whose access logs S3 delivers to a second locked bucket, `<bucketName>-logs`,
 * that only S3's log delivery, for this bucket and this account, may write to.
 */
export function loggedBucket(
  parent: pulumi.Resource,
  name: string,
  bucketName: string,
  options: LoggedBucketOptions,
): { main: LockedBucket; logs: LockedBucket } {
  const { logRetentionDays, ...shared } = options;
  const logs = lockedBucket(parent, `${name}-logs`, `${bucketName}-logs`, {
    ...shared,
    expireAfterDays: logRetentionDays,
  });
  const main = lockedBucket(parent, name, bucketName, shared);
  const identity = aws.getCallerIdentityOutput({}, { parent });
  const logsPolicy = new aws.s3.BucketPolicy(
    `${name}-logs-policy`,
    {
      bucket: logs.bucket.id,
      policy: pulumi
        .all([logs.bucket.arn, main.bucket.arn, identity.accountId])
        .apply(([logArn, sourceArn, accountId]) =>
          JSON.stringify(logBucketPolicy(logArn, sourceArn, accountId)),
        ),
    },
    { parent, dependsOn: [logs.publicAccessBlock] },
  );
  new aws.s3.BucketLogging(
    `${name}-logging`,
    { bucket: main.bucket.id, targetBucket: logs.bucket.id, targetPrefix: "access-logs/" },
    // S3 delivers logs only once the log bucket's policy lets it.
    { parent, dependsOn: [logsPolicy] },
  );
  return { main, logs };
}
