// The IAM actions the AWS provider calls for each resource type and function the bootstrap uses,
// read from the provider's source. @pulumi/aws 7.48.0 bridges hashicorp/terraform-provider-aws
// 6.x, at least 6.46.0 (pulumi/pulumi-aws#6392 upgraded to 6.46.0 on 2026-05-22; #6317 says
// 7.27.0 already carried 6.42.0); the files named below were read at the 6.x versions the code
// index holds (aws-sdk-go-v2 clients, the transparent tagging interceptor of
// internal/provider/sdkv2/tags_interceptor.go). An API call becomes an IAM action by the
// "Permissions" section of its AWS API reference page (DeleteBucketLifecycle needs
// s3:PutLifecycleConfiguration, HeadBucket s3:ListBucket, ...).
//
// A type or function missing here, or an input the table does not account for, stops
// `pnpm admin-policy` (policy.ts): adding a resource to the bootstrap means adding its calls here.

/** What a resource of one type is, for the table's ARN functions. */
export interface AwsResource {
  type: string;
  name: string;
  inputs: Record<string, unknown>;
  /** The account and region of the explicit provider it is registered with. */
  accountId: string;
  region: string;
  partition: string;
  /** The tags the provider applies: its default tags and the resource's own. */
  tags: Record<string, string>;
  /** The name of the bucket a configuration resource's `bucket` input (a bucket's id) names. */
  bucketNamed: (id: string) => string;
}

/** An IAM condition block: operator → key → value(s). */
export type Condition = Record<string, Record<string, string | string[]>>;

/** Where one call is authorized, when not on the resource's own ARNs. */
export interface Elsewhere {
  /** The policy statement it lands in (its Sid). */
  statement: string;
  resources: string[];
  condition?: Condition;
}

export interface ResourceEntry {
  /** The Terraform resource the Pulumi type bridges. */
  terraform: string;
  /** Where each list below was read (hashicorp/terraform-provider-aws paths, AWS docs). */
  source: string;
  /** The policy statement the calls on the resource's own ARNs land in (its Sid). */
  statement: string;
  create: readonly string[];
  read: readonly string[];
  /**
   * Every input the bootstrap may set, each with the calls a change of it makes in place (none:
   * the provider replaces the resource, or only its state changes). An input the table does not
   * list is refused: its calls were never looked up.
   */
  inputs: Readonly<Record<string, readonly string[]>>;
  /** Calls of a delete; not granted when the resource is retained on delete. */
  delete: readonly string[];
  /** The calls behind tags (the provider's default tags), when the resource carries any. */
  tags?: { create: readonly string[]; read: readonly string[]; update: readonly string[] };
  /** The ARNs its calls are authorized on. */
  arns: (resource: AwsResource) => string[];
  /** Calls authorized on other resources, or only under a condition. */
  elsewhere?: (resource: AwsResource) => Readonly<Record<string, Elsewhere>>;
}

export interface FunctionEntry {
  terraform: string;
  source: string;
  /** The calls it makes; empty when the API needs no permission. */
  actions: readonly string[];
}

const iam = (resource: AwsResource, path: string) =>
  `arn:${resource.partition}:iam::${resource.accountId}:${path}`;
const roleArn = (resource: AwsResource, name: unknown) => iam(resource, `role/${String(name)}`);
const bucketArn = (resource: AwsResource, name: string) => `arn:${resource.partition}:s3:::${name}`;
/** The bucket a configuration resource belongs to. */
const ownBucket = (resource: AwsResource) => [
  bucketArn(resource, resource.bucketNamed(String(resource.inputs.bucket))),
];
/**
 * Every KMS key of the account in the region. A key's ARN holds an id AWS draws at creation, and
 * a tag condition cannot stand in: "it might take up to five minutes for tag and alias changes to
 * affect KMS key authorization" (AWS KMS developer guide, ABAC for AWS KMS), while the provider
 * enables rotation and reads the key within seconds of CreateKey. The actions granted on it
 * manage and read keys (no Decrypt, no PutKeyPolicy, no ScheduleKeyDeletion, no grant).
 */
const keysOfRegion = (resource: AwsResource) =>
  `arn:${resource.partition}:kms:${resource.region}:${resource.accountId}:key/*`;
const tagKeys = (resource: AwsResource): Condition => ({
  "ForAllValues:StringEquals": { "aws:TagKeys": Object.keys(resource.tags).sort() },
});

/** Every AWS resource type the bootstrap may register, by Pulumi type token. */
export const RESOURCE_ACTIONS: Readonly<Record<string, ResourceEntry>> = {
  "aws:iam/openIdConnectProvider:OpenIdConnectProvider": {
    terraform: "aws_iam_openid_connect_provider",
    source:
      "internal/service/iam/openid_connect_provider.go (Create tags on create, Read's GetOpenIDConnectProvider returns the tags, Update adds and removes client ids); tags: IAM User Guide, Tagging IAM resources",
    statement: "OidcProvider",
    create: ["iam:CreateOpenIDConnectProvider"],
    read: ["iam:GetOpenIDConnectProvider"],
    inputs: {
      url: [],
      clientIdLists: [
        "iam:AddClientIDToOpenIDConnectProvider",
        "iam:RemoveClientIDFromOpenIDConnectProvider",
      ],
    },
    delete: ["iam:DeleteOpenIDConnectProvider"],
    tags: {
      create: ["iam:TagOpenIDConnectProvider"],
      read: [],
      update: ["iam:TagOpenIDConnectProvider", "iam:UntagOpenIDConnectProvider"],
    },
    arns: (resource) => [
      iam(resource, `oidc-provider/${String(resource.inputs.url).replace(/^https:\/\//, "")}`),
    ],
  },
  "aws:iam/role:Role": {
    terraform: "aws_iam_role",
    source:
      "internal/service/iam/role.go (Read: GetRole, readRoleInlinePolicies, findRoleAttachedPolicies; deleteRole lists instance profiles first, then inline policies, then DeleteRole)",
    statement: "CiRoles",
    create: ["iam:CreateRole"],
    read: [
      "iam:GetRole",
      "iam:ListRolePolicies",
      "iam:GetRolePolicy",
      "iam:ListAttachedRolePolicies",
    ],
    inputs: {
      name: [],
      assumeRolePolicy: ["iam:UpdateAssumeRolePolicy"],
      description: ["iam:UpdateRoleDescription"],
      maxSessionDuration: ["iam:UpdateRole"],
    },
    // The role's state lists its inline policy (inline_policy is computed), so deleteRole deletes
    // it too. The bootstrap attaches no managed policy and no instance profile: removing one that
    // someone attached by hand (DetachRolePolicy, RemoveRoleFromInstanceProfile) is refused, and
    // the destroy stops naming it.
    delete: ["iam:ListInstanceProfilesForRole", "iam:DeleteRolePolicy", "iam:DeleteRole"],
    tags: {
      create: ["iam:TagRole"],
      read: [],
      update: ["iam:TagRole", "iam:UntagRole"],
    },
    arns: (resource) => [roleArn(resource, resource.inputs.name)],
  },
  "aws:iam/rolePolicy:RolePolicy": {
    terraform: "aws_iam_role_policy",
    source:
      "internal/service/iam/role_policy.go (Put waits on GetRolePolicy; Read GetRolePolicy; Delete DeleteRolePolicy)",
    statement: "CiRoles",
    create: ["iam:PutRolePolicy", "iam:GetRolePolicy"],
    read: ["iam:GetRolePolicy"],
    inputs: { role: [], policy: ["iam:PutRolePolicy"] },
    delete: ["iam:DeleteRolePolicy"],
    arns: (resource) => [roleArn(resource, resource.inputs.role)],
  },
  "aws:kms/key:Key": {
    terraform: "aws_kms_key",
    source:
      "internal/service/kms/key.go (Create: CreateKey, updateKeyRotationEnabled and its wait, waitTagsPropagated; findKeyInfo: DescribeKey, GetKeyPolicy, GetKeyRotationStatus, ListResourceTags); tags on create: AWS KMS API reference, CreateKey",
    statement: "SecretsKeys",
    create: [
      "kms:CreateKey",
      "kms:EnableKeyRotation",
      "kms:GetKeyRotationStatus",
      "kms:DescribeKey",
      "kms:GetKeyPolicy",
    ],
    read: [
      "kms:DescribeKey",
      "kms:GetKeyPolicy",
      "kms:GetKeyRotationStatus",
      "kms:ListResourceTags",
    ],
    // No `policy` input: AWS gives the key its default key policy, which lets the account's IAM
    // policies decide (the policy below among them), so the administrator cannot lock itself
    // out of the key it creates. A key policy in the code is refused here until its lockout
    // check (PutKeyPolicy, BypassPolicyLockoutSafetyCheck) has been thought through.
    inputs: {
      description: ["kms:UpdateKeyDescription", "kms:DescribeKey"],
      enableKeyRotation: ["kms:EnableKeyRotation", "kms:DisableKeyRotation"],
      deletionWindowInDays: [],
    },
    delete: ["kms:ScheduleKeyDeletion", "kms:DescribeKey"],
    tags: {
      create: ["kms:TagResource", "kms:ListResourceTags"],
      read: ["kms:ListResourceTags"],
      update: ["kms:TagResource", "kms:UntagResource"],
    },
    arns: (resource) => [keysOfRegion(resource)],
    elsewhere: (resource) => ({
      // CreateKey has no resource ARN; its request carries the provider's default tags.
      "kms:CreateKey": {
        statement: "SecretsKeyCreate",
        resources: ["*"],
        ...(Object.keys(resource.tags).length === 0
          ? {}
          : {
              condition: {
                StringEquals: Object.fromEntries(
                  Object.entries(resource.tags).map(([key, value]) => [
                    `aws:RequestTag/${key}`,
                    value,
                  ]),
                ),
              },
            }),
      },
      // Tagging on create needs kms:TagResource on "all KMS keys in the account and Region" (AWS
      // KMS developer guide, Managing KMS key tags with API operations). Tags can decide access
      // to keys (ABAC), so only the bootstrap's own tag keys.
      "kms:TagResource": {
        statement: "SecretsKeyTags",
        resources: [keysOfRegion(resource)],
        condition: tagKeys(resource),
      },
      "kms:UntagResource": {
        statement: "SecretsKeyTags",
        resources: [keysOfRegion(resource)],
        condition: tagKeys(resource),
      },
    }),
  },
  "aws:kms/alias:Alias": {
    terraform: "aws_kms_alias",
    source:
      "internal/service/kms/alias.go (Read finds the alias in ListAliases; CreateAlias, UpdateAlias and DeleteAlias are authorized on the alias and on its key: AWS KMS API reference, CreateAlias)",
    statement: "SecretsKeyAliases",
    create: ["kms:CreateAlias"],
    read: ["kms:ListAliases"],
    inputs: { name: [], targetKeyId: ["kms:UpdateAlias"] },
    delete: ["kms:DeleteAlias"],
    arns: (resource) => [
      `arn:${resource.partition}:kms:${resource.region}:${resource.accountId}:${String(resource.inputs.name)}`,
      keysOfRegion(resource),
    ],
    elsewhere: () => ({
      // ListAliases takes no resource: it lists the account's aliases in the region.
      "kms:ListAliases": { statement: "SecretsKeyAliasList", resources: ["*"] },
    }),
  },
  "aws:s3/bucket:Bucket": {
    terraform: "aws_s3_bucket",
    source:
      "internal/service/s3/bucket.go (Read fails on any denied Get*: HeadBucket, policy, ACL, CORS, website, versioning, accelerate, request payment, logging, lifecycle, replication, encryption, object lock; the region through HeadBucket); tags through S3 Control on create, read and update (hashicorp/terraform-provider-aws#45251, 6.23; the note in @pulumi/aws s3/bucket.d.ts)",
    statement: "StateBuckets",
    create: ["s3:CreateBucket", "s3:ListBucket"],
    read: [
      "s3:ListBucket",
      "s3:GetBucketPolicy",
      "s3:GetBucketAcl",
      "s3:GetBucketCORS",
      "s3:GetBucketWebsite",
      "s3:GetBucketVersioning",
      "s3:GetAccelerateConfiguration",
      "s3:GetBucketRequestPayment",
      "s3:GetBucketLogging",
      "s3:GetLifecycleConfiguration",
      "s3:GetReplicationConfiguration",
      "s3:GetEncryptionConfiguration",
      "s3:GetBucketObjectLockConfiguration",
    ],
    inputs: { bucket: [], forceDestroy: [] },
    delete: ["s3:DeleteBucket", "s3:ListBucket"],
    tags: {
      create: ["s3:TagResource"],
      read: ["s3:ListTagsForResource"],
      update: ["s3:TagResource", "s3:UntagResource"],
    },
    arns: (resource) => [bucketArn(resource, String(resource.inputs.bucket))],
  },
  "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": {
    terraform: "aws_s3_bucket_public_access_block",
    source:
      "internal/service/s3/bucket_public_access_block.go (Put/Get/DeletePublicAccessBlock; the delete needs s3:PutBucketPublicAccessBlock: S3 API reference, DeletePublicAccessBlock)",
    statement: "StateBuckets",
    create: ["s3:PutBucketPublicAccessBlock", "s3:GetBucketPublicAccessBlock"],
    read: ["s3:GetBucketPublicAccessBlock"],
    inputs: {
      bucket: [],
      blockPublicAcls: ["s3:PutBucketPublicAccessBlock"],
      blockPublicPolicy: ["s3:PutBucketPublicAccessBlock"],
      ignorePublicAcls: ["s3:PutBucketPublicAccessBlock"],
      restrictPublicBuckets: ["s3:PutBucketPublicAccessBlock"],
    },
    delete: ["s3:PutBucketPublicAccessBlock", "s3:GetBucketPublicAccessBlock"],
    arns: ownBucket,
  },
  "aws:s3/bucketOwnershipControls:BucketOwnershipControls": {
    terraform: "aws_s3_bucket_ownership_controls",
    source:
      "internal/service/s3/bucket_ownership_controls.go (Put/Get/DeleteBucketOwnershipControls; both writes need s3:PutBucketOwnershipControls)",
    statement: "StateBuckets",
    create: ["s3:PutBucketOwnershipControls", "s3:GetBucketOwnershipControls"],
    read: ["s3:GetBucketOwnershipControls"],
    inputs: { bucket: [], rule: ["s3:PutBucketOwnershipControls"] },
    delete: ["s3:PutBucketOwnershipControls", "s3:GetBucketOwnershipControls"],
    arns: ownBucket,
  },
  "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration": {
    terraform: "aws_s3_bucket_server_side_encryption_configuration",
    source:
      "internal/service/s3/bucket_server_side_encryption_configuration.go (Put/Get/DeleteBucketEncryption, all three as s3:*EncryptionConfiguration)",
    statement: "StateBuckets",
    create: ["s3:PutEncryptionConfiguration", "s3:GetEncryptionConfiguration"],
    read: ["s3:GetEncryptionConfiguration"],
    inputs: { bucket: [], rules: ["s3:PutEncryptionConfiguration"] },
    delete: ["s3:PutEncryptionConfiguration"],
    arns: ownBucket,
  },
  "aws:s3/bucketVersioning:BucketVersioning": {
    terraform: "aws_s3_bucket_versioning",
    source:
      "internal/service/s3/bucket_versioning.go (Read waits on GetBucketVersioning; Delete suspends versioning with PutBucketVersioning)",
    statement: "StateBuckets",
    create: ["s3:PutBucketVersioning", "s3:GetBucketVersioning"],
    read: ["s3:GetBucketVersioning"],
    inputs: { bucket: [], versioningConfiguration: ["s3:PutBucketVersioning"] },
    delete: ["s3:PutBucketVersioning"],
    arns: ownBucket,
  },
  "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration": {
    terraform: "aws_s3_bucket_lifecycle_configuration",
    source:
      "internal/service/s3/bucket_lifecycle_configuration.go (Put/GetBucketLifecycleConfiguration, DeleteBucketLifecycle; the delete needs s3:PutLifecycleConfiguration: S3 API reference)",
    statement: "StateBuckets",
    create: ["s3:PutLifecycleConfiguration", "s3:GetLifecycleConfiguration"],
    read: ["s3:GetLifecycleConfiguration"],
    inputs: { bucket: [], rules: ["s3:PutLifecycleConfiguration"] },
    delete: ["s3:PutLifecycleConfiguration", "s3:GetLifecycleConfiguration"],
    arns: ownBucket,
  },
  "aws:s3/bucketLogging:BucketLogging": {
    terraform: "aws_s3_bucket_logging",
    source:
      "internal/service/s3/bucket_logging.go (Put/GetBucketLogging; Delete puts an empty logging status. S3 delivers to the target bucket under that bucket's policy: no call on the target)",
    statement: "StateBuckets",
    create: ["s3:PutBucketLogging", "s3:GetBucketLogging"],
    read: ["s3:GetBucketLogging"],
    inputs: {
      bucket: [],
      targetBucket: ["s3:PutBucketLogging"],
      targetPrefix: ["s3:PutBucketLogging"],
    },
    delete: ["s3:PutBucketLogging"],
    arns: ownBucket,
  },
  "aws:s3/bucketPolicy:BucketPolicy": {
    terraform: "aws_s3_bucket_policy",
    source:
      "internal/service/s3/bucket_policy.go (Put waits on GetBucketPolicy; Delete waits until GetBucketPolicy finds none)",
    statement: "StateBuckets",
    create: ["s3:PutBucketPolicy", "s3:GetBucketPolicy"],
    read: ["s3:GetBucketPolicy"],
    inputs: { bucket: [], policy: ["s3:PutBucketPolicy"] },
    delete: ["s3:DeleteBucketPolicy", "s3:GetBucketPolicy"],
    arns: ownBucket,
  },
};

/** The AWS provider itself, configured per account. */
export const PROVIDER_TYPE = "pulumi:providers:aws";

/**
 * The provider's own calls when it starts: with `allowedAccountIds` it asks STS who the
 * credentials are (aws-sdk-go-base's GetAwsAccountIDAndPartition, STS first), and
 * GetCallerIdentity needs no permission: "No permissions are required to perform this operation"
 * (AWS STS API reference, GetCallerIdentity).
 */
export const PROVIDER_ACTIONS: readonly string[] = [];

/** Every AWS function (data source) the bootstrap may call, by Pulumi token. */
export const FUNCTION_ACTIONS: Readonly<Record<string, FunctionEntry>> = {
  "aws:index/getCallerIdentity:getCallerIdentity": {
    terraform: "aws_caller_identity",
    source:
      "internal/service/sts/caller_identity_data_source.go (GetCallerIdentity, which needs no permission: AWS STS API reference)",
    actions: [],
  },
};

/** Where to extend the table, for the errors that ask for it. */
export const TABLE_FILE = "tools/admin-policy/actions.ts";
