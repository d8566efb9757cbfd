// Storage: every S3 bucket private, owner-enforced, encrypted, versioned, expiring old versions,
// logged, and refusing plain HTTP. AWS provider v7 configures each control as a resource of its
// own, so each rule checks the control's settings and that every bucket has one.
import type { PolicyResource } from "@pulumi/policy";
import { hasAnyonePrincipal, statementsOf, type Statement } from "../iam.ts";
import { ofType, referrers, targetsOf } from "../links.ts";
import type { PlatformRule } from "../rule.ts";
import { TYPES } from "../types.ts";
import { field, isRecord, jsonDocument, known, numberOf, path, records, text } from "../values.ts";

interface BucketControl {
  id: string;
  description: string;
  remediation: string;
  /** The resource type that configures the control. */
  controlType: string;
  /** What a bucket lacks without one, e.g. `BucketPublicAccessBlock`. */
  controlName: string;
  /** Problems with one control resource's inputs. */
  problems: (props: unknown) => string[];
}

/** A rule over one control: its settings (resource check) and its presence per bucket (stack). */
function bucketControl(control: BucketControl): PlatformRule {
  return {
    id: control.id,
    description: control.description,
    remediation: control.remediation,
    enforcementLevel: "mandatory",
    resourceTypes: [control.controlType],
    checkResource: (args, _context, report) => {
      for (const problem of control.problems(args.props)) report(problem);
    },
    checkStack: (args, _context, report) => {
      for (const bucket of ofType(args.resources, TYPES.bucket)) {
        if (referrers(args.resources, control.controlType, "bucket", bucket).length === 0) {
          report(`bucket ${bucket.name} has no ${control.controlName}`, bucket.urn);
        }
      }
    },
  };
}

const PUBLIC_ACCESS_FLAGS = [
  "blockPublicAcls",
  "ignorePublicAcls",
  "blockPublicPolicy",
  "restrictPublicBuckets",
] as const;

export const publicAccessBlocked = bucketControl({
  id: "storage-public-access-blocked",
  description: "Every S3 bucket has a public access block with all four settings on.",
  remediation:
    "Give the bucket a BucketPublicAccessBlock with blockPublicAcls, ignorePublicAcls, blockPublicPolicy and restrictPublicBuckets all true.",
  controlType: TYPES.publicAccessBlock,
  controlName: "BucketPublicAccessBlock",
  problems: (props) =>
    PUBLIC_ACCESS_FLAGS.filter((flag) => field(props, flag) !== true).map(
      (flag) => `${flag} is not true`,
    ),
});

export const ownerEnforced = bucketControl({
  id: "storage-bucket-owner-enforced",
  description: "Every S3 bucket enforces bucket-owner object ownership (ACLs disabled).",
  remediation:
    'Give the bucket a BucketOwnershipControls with rule.objectOwnership "BucketOwnerEnforced".',
  controlType: TYPES.ownership,
  controlName: "BucketOwnershipControls",
  problems: (props) => {
    const ownership = text(path(props, ["rule", "objectOwnership"]));
    return ownership === "BucketOwnerEnforced"
      ? []
      : [`objectOwnership is ${ownership ?? "unset"}, not BucketOwnerEnforced`];
  },
});

const SSE_ALGORITHMS = ["AES256", "aws:kms", "aws:kms:dsse"];

export const encrypted = bucketControl({
  id: "storage-encrypted",
  description: "Every S3 bucket encrypts objects at rest by default (SSE-S3 or SSE-KMS).",
  remediation:
    'Give the bucket a BucketServerSideEncryptionConfiguration whose rule applies sseAlgorithm "AES256" (or aws:kms).',
  controlType: TYPES.encryption,
  controlName: "BucketServerSideEncryptionConfiguration",
  problems: (props) => {
    const algorithms = records(field(props, "rules")).map((rule) =>
      text(path(rule, ["applyServerSideEncryptionByDefault", "sseAlgorithm"])),
    );
    return algorithms.some(
      (algorithm) => algorithm !== undefined && SSE_ALGORITHMS.includes(algorithm),
    )
      ? []
      : ["no rule applies AES256 or aws:kms encryption by default"];
  },
});

export const versioningEnabled = bucketControl({
  id: "storage-versioning-enabled",
  description: "Every S3 bucket keeps object versions (versioning Enabled).",
  remediation: 'Give the bucket a BucketVersioning with versioningConfiguration.status "Enabled".',
  controlType: TYPES.versioning,
  controlName: "BucketVersioning",
  problems: (props) => {
    const status = text(path(props, ["versioningConfiguration", "status"]));
    return status === "Enabled" ? [] : [`versioning status is ${status ?? "unset"}, not Enabled`];
  },
});

/** A lifecycle rule that is on and applies to every object (no prefix, tag or size filter). */
function coversWholeBucket(rule: Record<string, unknown>): boolean {
  if (rule.status !== "Enabled") return false;
  const filter = rule.filter;
  if (filter === undefined || filter === null)
    return text(rule.prefix) === undefined || rule.prefix === "";
  return (
    isRecord(filter) &&
    Object.values(filter).every((value) => value === undefined || value === "" || value === null)
  );
}

export const lifecycle = bucketControl({
  id: "storage-lifecycle",
  description:
    "Every S3 bucket expires noncurrent versions and aborts incomplete multipart uploads, for every object.",
  remediation:
    "Give the bucket a BucketLifecycleConfiguration with an Enabled, unfiltered rule setting noncurrentVersionExpiration.noncurrentDays and abortIncompleteMultipartUpload.daysAfterInitiation.",
  controlType: TYPES.lifecycle,
  controlName: "BucketLifecycleConfiguration",
  problems: (props) => {
    const rules = records(field(props, "rules")).filter(coversWholeBucket);
    const days = (keys: readonly string[]) =>
      rules.some((rule) => (numberOf(path(rule, keys)) ?? 0) >= 1);
    return [
      ...(days(["noncurrentVersionExpiration", "noncurrentDays"])
        ? []
        : ["no enabled, unfiltered rule expires noncurrent versions"]),
      ...(days(["abortIncompleteMultipartUpload", "daysAfterInitiation"])
        ? []
        : ["no enabled, unfiltered rule aborts incomplete multipart uploads"]),
    ];
  },
});

/** The service that delivers S3 server access logs into a bucket (its policy must allow it). */
const LOG_DELIVERY_SERVICE = "logging.s3.amazonaws.com";

const bucketArnOf = (bucket: PolicyResource) =>
  `arn:aws:s3:::${known(() => text(field(bucket.props, "bucket"))) ?? ""}`;

/**
 * The bucket a bucket policy belongs to. The engine says so per property; a plan's dependency
 * list may name two buckets (the log bucket's policy names the asset bucket, the only source of
 * its logs), and then it is the bucket whose ARN the policy's statements are about.
 */
function bucketOfPolicy(policy: PolicyResource): PolicyResource[] {
  const candidates = targetsOf(policy, "bucket").filter((target) => target.type === TYPES.bucket);
  if (candidates.length <= 1 || (policy.propertyDependencies.bucket ?? []).length > 0) {
    return candidates;
  }
  const document = jsonDocument(known(() => field(policy.props, "policy")));
  const named =
    document === undefined
      ? []
      : statementsOf(document).flatMap((statement) => statement.resources);
  return candidates.filter((bucket) => {
    const arn = bucketArnOf(bucket);
    return named.includes(arn) || named.includes(`${arn}/*`);
  });
}

function policiesOf(
  resources: readonly PolicyResource[],
  bucket: PolicyResource,
): PolicyResource[] {
  return ofType(resources, TYPES.bucketPolicy).filter((policy) =>
    bucketOfPolicy(policy).some((candidate) => candidate.urn === bucket.urn),
  );
}

/** Whether a bucket receives access logs: its policy lets S3's log delivery write, or logging names it. */
function isLogTarget(resources: readonly PolicyResource[], bucket: PolicyResource): boolean {
  const grantsDelivery = policiesOf(resources, bucket).some((policy) => {
    const document = jsonDocument(field(policy.props, "policy"));
    return (
      document !== undefined &&
      statementsOf(document).some(
        (statement) =>
          statement.effect === "Allow" &&
          (statement.principals.Service ?? []).includes(LOG_DELIVERY_SERVICE),
      )
    );
  });
  // Only a per-property dependency tells the target from the source (the engine's); a plain
  // dependency list names both buckets of a BucketLogging.
  const named = ofType(resources, TYPES.logging).some((logging) =>
    (logging.propertyDependencies.targetBucket ?? []).some((target) => target.urn === bucket.urn),
  );
  return grantsDelivery || named;
}

export const accessLogging: PlatformRule = {
  id: "storage-access-logging",
  description:
    "Every S3 bucket that is not itself a log destination writes server access logs to another bucket.",
  remediation:
    "Give the bucket a BucketLogging with targetBucket set to a log bucket whose policy lets logging.s3.amazonaws.com write.",
  enforcementLevel: "mandatory",
  checkStack: (args, _context, report) => {
    const buckets = ofType(args.resources, TYPES.bucket);
    const logTargets = buckets.filter((bucket) => isLogTarget(args.resources, bucket));
    for (const bucket of buckets) {
      if (logTargets.includes(bucket)) continue;
      // A plan's dependency list names the log bucket too; the source is a bucket that is not one.
      const logged = ofType(args.resources, TYPES.logging).some((logging) => {
        const sources = targetsOf(logging, "bucket").filter(
          (source) => source.type === TYPES.bucket && !logTargets.includes(source),
        );
        return sources.length === 1 && sources[0]?.urn === bucket.urn;
      });
      if (!logged) report(`bucket ${bucket.name} has no BucketLogging`, bucket.urn);
    }
  },
};

/** Whether a statement is the TLS-only deny: anyone, any S3 action, when not over TLS. */
function isTlsDeny(statement: Statement): boolean {
  const secureTransport = path(statement.condition, ["Bool", "aws:SecureTransport"]);
  return (
    statement.effect === "Deny" &&
    hasAnyonePrincipal(statement) &&
    !statement.notAction &&
    statement.actions.some((action) => action === "s3:*" || action === "*") &&
    (secureTransport === false || secureTransport === "false")
  );
}

export const tlsOnly: PlatformRule = {
  id: "storage-tls-only",
  description:
    "Every S3 bucket policy denies any request not made over TLS (aws:SecureTransport false → Deny), on the bucket and its objects.",
  remediation:
    "Add the DenyInsecureTransport statement (infra/storage/bucket-policies.ts denyInsecureTransport) to the bucket's policy.",
  enforcementLevel: "mandatory",
  resourceTypes: [TYPES.bucketPolicy],
  checkResource: (args, _context, report) => {
    const document = jsonDocument(field(args.props, "policy"));
    if (document === undefined) {
      report("the policy is not a readable JSON document");
      return;
    }
    const denies = statementsOf(document).filter(isTlsDeny);
    if (denies.length === 0) {
      report("no statement denies requests without TLS (aws:SecureTransport false)");
      return;
    }
    const resources = denies.flatMap((statement) => statement.resources);
    const bucketArns = resources.filter((arn) => /^arn:aws:s3:::[^/]+$/.test(arn));
    const covered = bucketArns.some((arn) => resources.includes(`${arn}/*`));
    if (!covered)
      report("the TLS-only deny does not cover both the bucket and its objects (arn, arn/*)");
  },
  checkStack: (args, _context, report) => {
    for (const bucket of ofType(args.resources, TYPES.bucket)) {
      if (policiesOf(args.resources, bucket).length === 0) {
        report(
          `bucket ${bucket.name} has no BucketPolicy, so nothing refuses plain HTTP`,
          bucket.urn,
        );
      }
    }
  },
};

export const STORAGE_RULES: readonly PlatformRule[] = [
  publicAccessBlocked,
  ownerEnforced,
  encrypted,
  versioningEnabled,
  lifecycle,
  accessLogging,
  tlsOnly,
];
