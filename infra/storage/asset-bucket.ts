import { aws } from "../sdk/aws.ts";
import * as pulumi from "@pulumi/pulumi";
import { assetBucketPolicy } from "./bucket-policies.ts";
import {
  type BucketControls,
  type LockedBucket,
  type LoggedBucketOptions,
  lockedBucketControls,
  loggedBucket,
} from "./locked-bucket.ts";
import { PlatformComponent } from "../core/component.ts";

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

// S3 bucket names are 3 to 63 characters long (AWS S3 user guide, "General purpose bucket naming
// rules").
const MIN_BUCKET_NAME = 3;
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
  if (args.bucketName.length < MIN_BUCKET_NAME) {
    problems.push(
      `bucketName "${args.bucketName}" is too short: S3 bucket names have at least ${MIN_BUCKET_NAME} characters`,
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

/** Key of the object uptime checks fetch. */
export const ASSET_PROBE_KEY = "healthz.txt";

/**
 * The platform's asset storage: a private, encrypted, versioned S3 bucket that answers only TLS
 * requests and anonymous reads from the CDN, with its access logs in a second bucket under the
 * same controls.
 *
 * Encryption is SSE-S3 (AES256): the CDN reads without credentials, and S3 refuses unsigned reads
 * of SSE-KMS objects; S3 access logs, too, can only be delivered to an SSE-S3 bucket.
 */
export class AssetBucket extends PlatformComponent {
  readonly bucketName: pulumi.Output<string>;
  readonly bucketArn: pulumi.Output<string>;
  /** `<bucket>.s3.<region>.amazonaws.com`: the origin the CDN's record points at. */
  readonly regionalDomainName: pulumi.Output<string>;
  readonly logBucketName: pulumi.Output<string>;
  readonly controls: { assets: BucketControls; logs: BucketControls };
  /** A small object uptime checks fetch through the CDN: 200 proves the whole asset path. */
  readonly probeKey = ASSET_PROBE_KEY;

  constructor(name: string, args: AssetBucketArgs, opts?: pulumi.ComponentResourceOptions) {
    super("storage", "AssetBucket", name, opts);
    this.checkArgs(assetBucketArgsProblems(args));
    const options: LoggedBucketOptions = {
      protect: args.protect ?? false,
      noncurrentDays: args.noncurrentVersionExpirationDays,
      abortAfterDays: args.abortIncompleteUploadsAfterDays ?? 7,
      logRetentionDays: args.logRetentionDays ?? 365,
    };

    const { main: assets, logs } = loggedBucket(this, name, args.bucketName, options);
    this.createCors(name, assets, args.corsOrigins);
    this.createReadPolicy(name, assets, args.readerCidrs);
    this.createProbe(name, assets);

    this.bucketName = assets.bucket.bucket;
    this.bucketArn = assets.bucket.arn;
    this.regionalDomainName = assets.bucket.bucketRegionalDomainName;
    this.logBucketName = logs.bucket.bucket;
    this.controls = {
      assets: lockedBucketControls(args.bucketName, options),
      logs: lockedBucketControls(`${args.bucketName}-logs`, options),
    };
    this.registerOutputs({
      bucketName: this.bucketName,
      bucketArn: this.bucketArn,
      regionalDomainName: this.regionalDomainName,
      logBucketName: this.logBucketName,
      controls: this.controls,
    });
  }

  /** Scripts of the given origins may fetch assets. */
  private createCors(name: string, assets: LockedBucket, origins: string[]): void {
    new aws.s3.BucketCorsConfiguration(
      `${name}-cors`,
      {
        bucket: assets.bucket.id,
        corsRules: [
          {
            allowedMethods: ["GET", "HEAD"],
            allowedOrigins: origins,
            allowedHeaders: ["*"],
            maxAgeSeconds: 3600,
          },
        ],
      },
      { parent: this },
    );
  }

  /** Anonymous reads from the CDN's ranges only, and TLS for everything (`assetBucketPolicy`). */
  private createReadPolicy(
    name: string,
    assets: LockedBucket,
    readerCidrs: pulumi.Input<string[]>,
  ): void {
    new aws.s3.BucketPolicy(
      `${name}-policy`,
      {
        bucket: assets.bucket.id,
        policy: pulumi
          .all([assets.bucket.arn, readerCidrs])
          .apply(([arn, cidrs]) => JSON.stringify(assetBucketPolicy(arn, cidrs))),
      },
      // S3 refuses a policy while the public access block is being written.
      { parent: this, dependsOn: [assets.publicAccessBlock] },
    );
  }

  /** The bucket's root answers 403 (listing is not allowed), so a check needs an object of its own. */
  private createProbe(name: string, assets: LockedBucket): void {
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
  }
}
