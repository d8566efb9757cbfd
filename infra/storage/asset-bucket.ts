import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { assetBucketPolicy, logBucketPolicy } from "./bucket-policies.ts";

export interface AssetBucketArgs {
  /**
   * Bucket name. Named after the public hostname (`assets.example.com`) so that S3 serves the
   * requests Cloudflare forwards with that Host header.
   */
  bucketName: string;
  /** Address ranges allowed to read objects without credentials: the CDN's. */
  readerCidrs: pulumi.Input<string[]>;
  /** Origins (`https://app.example.com`) whose pages may fetch assets from a script. */
  corsOrigins: string[];
  /** Days a replaced or deleted object version is kept before it expires. */
  noncurrentVersionExpirationDays: number;
  /**
   * Days an access log is kept.
   * @default 365
   */
  logRetentionDays?: number;
  /**
   * Days before an unfinished multipart upload is aborted and its parts deleted.
   * @default 7
   */
  abortIncompleteUploadsAfterDays?: number;
  /**
   * Keep both buckets from being deleted, and their objects with them. Turn on for production.
   * @default false
   */
  protect?: boolean;
}

/** The controls on a bucket, for auditors. */
export interface BucketControls {
  name: string;
  publicAccessBlock: "all four on";
  objectOwnership: "BucketOwnerEnforced";
  encryption: "AES256";
  versioning: "Enabled";
  tlsOnly: true;
  noncurrentVersionExpirationDays: number;
  protected: boolean;
}

const MAX_BUCKET_NAME = 63;

/** Problems with the arguments, each naming the argument and the fix; empty when they are fine. */
export function assetBucketArgsProblems(args: AssetBucketArgs): string[] {
  const problems: string[] = [];
  const logBucket = `${args.bucketName}-logs`;
  if (!/^[a-z0-9][a-z0-9.-]*[a-z0-9]$/.test(args.bucketName)) {
    problems.push(
      `bucketName "${args.bucketName}" is not a valid S3 bucket name (a-z, 0-9, . and -)`,
    );
  }
  if (logBucket.length > MAX_BUCKET_NAME) {
    problems.push(
      `bucketName "${args.bucketName}" is too long: its log bucket "${logBucket}" exceeds ${MAX_BUCKET_NAME} characters`,
    );
  }
  if (
    !Number.isInteger(args.noncurrentVersionExpirationDays) ||
    args.noncurrentVersionExpirationDays < 1
  ) {
    problems.push("noncurrentVersionExpirationDays must be a whole number of days from 1");
  }
  for (const origin of args.corsOrigins) {
    if (!/^https:\/\/[a-z0-9.-]+$/.test(origin)) {
      problems.push(
        `corsOrigins entry "${origin}" is not an https origin such as https://app.example.com`,
      );
    }
  }
  return problems;
}

/**
 * The platform's asset storage: a private, encrypted, versioned S3 bucket that answers only TLS
 * requests and anonymous reads from the CDN, with its access logs in a second bucket under the
 * same controls.
 *
 * Encryption is SSE-S3 (AES256): the CDN reads without credentials, and S3 refuses unsigned reads
 * of SSE-KMS objects; S3 access logs, too, can only be delivered to an SSE-S3 bucket.
 */
/** Key of the object uptime checks fetch. */
export const ASSET_PROBE_KEY = "healthz.txt";

export class AssetBucket extends pulumi.ComponentResource {
  readonly bucketName: pulumi.Output<string>;
  readonly bucketArn: pulumi.Output<string>;
  /** `<bucket>.s3.<region>.amazonaws.com`: the origin the CDN's record points at. */
  readonly regionalDomainName: pulumi.Output<string>;
  readonly logBucketName: pulumi.Output<string>;
  readonly controls: { assets: BucketControls; logs: BucketControls };
  /** A small object uptime checks fetch through the CDN: 200 proves the whole asset path. */
  readonly probeKey = ASSET_PROBE_KEY;

  constructor(name: string, args: AssetBucketArgs, opts?: pulumi.ComponentResourceOptions) {
    super("platform:storage:AssetBucket", name, {}, opts);

    const problems = assetBucketArgsProblems(args);
    if (problems.length > 0) throw new Error(`AssetBucket ${name}: ${problems.join("; ")}`);
    const protect = args.protect ?? false;

    const logs = this.createLockedBucket(`${name}-logs`, `${args.bucketName}-logs`, {
      protect,
      noncurrentDays: args.noncurrentVersionExpirationDays,
      expireAfterDays: args.logRetentionDays ?? 365,
      abortAfterDays: args.abortIncompleteUploadsAfterDays ?? 7,
    });
    const assets = this.createLockedBucket(name, args.bucketName, {
      protect,
      noncurrentDays: args.noncurrentVersionExpirationDays,
      abortAfterDays: args.abortIncompleteUploadsAfterDays ?? 7,
    });

    const identity = aws.getCallerIdentityOutput({}, { parent: this });
    const logsPolicy = new aws.s3.BucketPolicy(
      `${name}-logs-policy`,
      {
        bucket: logs.bucket.id,
        policy: pulumi
          .all([logs.bucket.arn, assets.bucket.arn, identity.accountId])
          .apply(([logArn, assetArn, accountId]) =>
            JSON.stringify(logBucketPolicy(logArn, assetArn, accountId)),
          ),
      },
      { parent: this, dependsOn: [logs.publicAccessBlock] },
    );
    new aws.s3.BucketLogging(
      `${name}-logging`,
      { bucket: assets.bucket.id, targetBucket: logs.bucket.id, targetPrefix: "access-logs/" },
      // S3 delivers logs only once the log bucket's policy lets it.
      { parent: this, dependsOn: [logsPolicy] },
    );
    new aws.s3.BucketCorsConfiguration(
      `${name}-cors`,
      {
        bucket: assets.bucket.id,
        corsRules: [
          {
            allowedMethods: ["GET", "HEAD"],
            allowedOrigins: args.corsOrigins,
            allowedHeaders: ["*"],
            maxAgeSeconds: 3600,
          },
        ],
      },
      { parent: this },
    );
    new aws.s3.BucketPolicy(
      `${name}-policy`,
      {
        bucket: assets.bucket.id,
        policy: pulumi
          .all([assets.bucket.arn, args.readerCidrs])
          .apply(([arn, cidrs]) => JSON.stringify(assetBucketPolicy(arn, cidrs))),
      },
      // S3 refuses a policy while the public access block is being written.
      { parent: this, dependsOn: [assets.publicAccessBlock] },
    );

    // The bucket's root answers 403 (listing is not allowed), so a check needs an object of its own.
    new aws.s3.BucketObjectv2(
      `${name}-probe`,
      {
        bucket: assets.bucket.id,
        key: ASSET_PROBE_KEY,
        content: "ok\n",
        contentType: "text/plain",
        cacheControl: "no-store",
      },
      { parent: this, dependsOn: [assets.publicAccessBlock] },
    );

    this.bucketName = assets.bucket.bucket;
    this.bucketArn = assets.bucket.arn;
    this.regionalDomainName = assets.bucket.bucketRegionalDomainName;
    this.logBucketName = logs.bucket.bucket;
    const controls = (bucketName: string): BucketControls => ({
      name: bucketName,
      publicAccessBlock: "all four on",
      objectOwnership: "BucketOwnerEnforced",
      encryption: "AES256",
      versioning: "Enabled",
      tlsOnly: true,
      noncurrentVersionExpirationDays: args.noncurrentVersionExpirationDays,
      protected: protect,
    });
    this.controls = {
      assets: controls(args.bucketName),
      logs: controls(`${args.bucketName}-logs`),
    };
    this.registerOutputs({
      bucketName: this.bucketName,
      bucketArn: this.bucketArn,
      regionalDomainName: this.regionalDomainName,
      logBucketName: this.logBucketName,
      controls: this.controls,
    });
  }

  /** A bucket with every control both buckets share: private, owner-enforced, encrypted, versioned. */
  private createLockedBucket(
    name: string,
    bucketName: string,
    options: {
      protect: boolean;
      noncurrentDays: number;
      abortAfterDays: number;
      expireAfterDays?: number;
    },
  ) {
    const { protect } = options;
    const bucket = new aws.s3.Bucket(
      `${name}-bucket`,
      { bucket: bucketName, forceDestroy: false },
      { parent: this, protect, retainOnDelete: protect },
    );
    const publicAccessBlock = new aws.s3.BucketPublicAccessBlock(
      `${name}-public-access-block`,
      {
        bucket: bucket.id,
        blockPublicAcls: true,
        ignorePublicAcls: true,
        blockPublicPolicy: true,
        restrictPublicBuckets: true,
      },
      { parent: this },
    );
    new aws.s3.BucketOwnershipControls(
      `${name}-ownership`,
      { bucket: bucket.id, rule: { objectOwnership: "BucketOwnerEnforced" } },
      { parent: this },
    );
    new aws.s3.BucketServerSideEncryptionConfiguration(
      `${name}-encryption`,
      {
        bucket: bucket.id,
        rules: [
          {
            applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" },
            bucketKeyEnabled: true,
          },
        ],
      },
      { parent: this },
    );
    const versioning = new aws.s3.BucketVersioning(
      `${name}-versioning`,
      { bucket: bucket.id, versioningConfiguration: { status: "Enabled" } },
      { parent: this },
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
      { parent: this, dependsOn: [versioning] },
    );
    return { bucket, publicAccessBlock };
  }
}
