// Bucket policies as plain data, so that every statement can be checked without a cloud.
import { parseCidr } from "../core/cidr.ts";

/** A statement of an identity policy: it applies to whoever holds it, so it names no principal. */
export interface IdentityStatement {
  Sid: string;
  Effect: "Allow" | "Deny";
  Action: string | string[];
  Resource: string | string[];
  Condition?: Record<string, Record<string, string | string[] | boolean>>;
}

/** A statement of a resource (bucket) policy, which says whom it applies to. */
export interface PolicyStatement extends IdentityStatement {
  Principal: "*" | { Service: string };
}

export interface PolicyDocument<Statement extends IdentityStatement = PolicyStatement> {
  Version: "2012-10-17";
  Statement: Statement[];
}

/**
 * S3 counts a policy limited by `aws:SourceIp` as not public only while its ranges are no wider
 * than /8 (IPv4) or /32 (IPv6); a wider one would make Block Public Access refuse the policy.
 */
function isWiderThanPrivate(range: string): boolean {
  const cidr = parseCidr(range);
  return typeof cidr !== "string" && cidr.prefix < (cidr.family === 4 ? 8 : 32);
}

/** Refuses every request that does not use TLS, whoever makes it. */
export function denyInsecureTransport(bucketArn: string): PolicyStatement {
  return {
    Sid: "DenyInsecureTransport",
    Effect: "Deny",
    Principal: "*",
    Action: "s3:*",
    Resource: [bucketArn, `${bucketArn}/*`],
    Condition: { Bool: { "aws:SecureTransport": false } },
  };
}

/**
 * The asset bucket's policy: reads without credentials only from the CDN's addresses (so the
 * bucket is reachable through Cloudflare, never directly), and TLS for everything.
 */
export function assetBucketPolicy(
  bucketArn: string,
  readerCidrs: readonly string[],
): PolicyDocument {
  if (readerCidrs.length === 0) {
    throw new Error("the asset bucket policy needs the CDN's address ranges; none were given");
  }
  const invalid = readerCidrs.filter((range) => typeof parseCidr(range) === "string");
  if (invalid.length > 0) {
    throw new Error(`reader ranges ${invalid.join(", ")} are not IP addresses or CIDR ranges`);
  }
  const wide = readerCidrs.filter(isWiderThanPrivate);
  if (wide.length > 0) {
    throw new Error(
      `reader ranges ${wide.join(", ")} are wider than /8 (IPv4) or /32 (IPv6): S3 would count the policy as public and block it`,
    );
  }
  return {
    Version: "2012-10-17",
    Statement: [
      denyInsecureTransport(bucketArn),
      {
        Sid: "AllowReadsFromCdnOnly",
        Effect: "Allow",
        Principal: "*",
        Action: "s3:GetObject",
        Resource: `${bucketArn}/*`,
        Condition: { IpAddress: { "aws:SourceIp": [...readerCidrs] } },
      },
    ],
  };
}

/** The log bucket's policy: S3 delivers the asset bucket's access logs, nothing else writes. */
export function logBucketPolicy(
  logBucketArn: string,
  sourceBucketArn: string,
  accountId: string,
): PolicyDocument {
  return {
    Version: "2012-10-17",
    Statement: [
      denyInsecureTransport(logBucketArn),
      {
        Sid: "AllowAccessLogDelivery",
        Effect: "Allow",
        Principal: { Service: "logging.s3.amazonaws.com" },
        Action: "s3:PutObject",
        Resource: `${logBucketArn}/*`,
        Condition: {
          ArnLike: { "aws:SourceArn": sourceBucketArn },
          StringEquals: { "aws:SourceAccount": accountId },
        },
      },
    ],
  };
}
