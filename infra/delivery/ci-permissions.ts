// What CI may do in AWS: exactly what the platform stack manages there (its buckets and the
// objects it writes) and, with a self-managed backend, its own state and secrets key. A
// deployment role changes them; a preview role only reads them. Every statement names its
// resources, and no statement holds an IAM action: the roles, their policies and the OIDC
// provider belong to the bootstrap project, which CI never runs, so no role CI assumes can
// change any role, its own included (policy/iam.ts `escalationPaths` checks it).
import type { PolicyStatement } from "./ci-role.ts";

/** A self-managed backend: the state bucket, and the KMS key the stack's secrets use. */
export interface StateBackendFootprint {
  bucket: string;
  secretsKeyArn: string;
}

export interface StackFootprint {
  /** Buckets the stack manages (assets and their access logs). */
  buckets: string[];
  /** Objects the stack itself writes (`<bucket>/<key>`), such as the uptime probe. */
  objects: string[];
  /** Pulumi project and stack, to find the state in a self-managed backend. */
  project: string;
  stack: string;
  /** The S3 backend and KMS secrets provider; undefined with Pulumi Cloud. */
  backend: StateBackendFootprint | undefined;
}

const bucketArns = (buckets: readonly string[]) =>
  buckets.map((bucket) => `arn:aws:s3:::${bucket}`);

/**
 * The bucket-level calls the AWS provider makes to create, read and update a bucket and each of
 * its configuration resources (policy, public access block, ownership, encryption, versioning,
 * lifecycle, CORS, logging, tags). Objects are not the stack's business: no object action.
 * Tags go through S3 Control's ListTagsForResource / TagResource / UntagResource first, and only
 * fall back to the bucket tagging calls when those are denied (terraform-provider-aws 6.23,
 * hashicorp/terraform-provider-aws#45251; the note in @pulumi/aws s3/bucket.d.ts).
 */
const BUCKET_READ = [
  "s3:ListBucket",
  "s3:ListTagsForResource",
  "s3:GetBucket*",
  "s3:GetEncryptionConfiguration",
  "s3:GetLifecycleConfiguration",
  "s3:GetAccelerateConfiguration",
  "s3:GetReplicationConfiguration",
];
const BUCKET_WRITE = [
  "s3:CreateBucket",
  "s3:DeleteBucket",
  "s3:PutBucket*",
  "s3:DeleteBucketPolicy",
  "s3:TagResource",
  "s3:UntagResource",
  // Deleting an object of a versioned bucket lists its versions first (terraform-provider-aws
  // internal/service/s3/object.go, deleteAllObjectVersions).
  "s3:ListBucketVersions",

  "s3:PutEncryptionConfiguration",
  "s3:PutLifecycleConfiguration",
];

/** The calls behind one `aws.s3.BucketObjectv2` of a versioned bucket. */
const OBJECT_READ = [
  "s3:GetObject",
  "s3:GetObjectVersion",
  "s3:GetObjectTagging",
  "s3:GetObjectAcl",
];
const OBJECT_WRITE = [
  "s3:PutObject",
  "s3:PutObjectTagging",
  "s3:DeleteObjectTagging",
  "s3:DeleteObject",
  "s3:DeleteObjectVersion",
];

const objectArns = (objects: readonly string[]) =>
  objects.map((object) => `arn:aws:s3:::${object}`);

/**
 * The awskms:// secrets provider: a stack's data key is encrypted once, when the stack is created
 * (`pulumi stack init --secrets-provider awskms://…`), and decrypted on every run (gocloud.dev
 * secrets/awskms: Encrypt and Decrypt); an update re-encrypts nothing else with KMS.
 */
const SECRETS_READ = ["kms:Decrypt", "kms:DescribeKey"];
const SECRETS_WRITE = [...SECRETS_READ, "kms:Encrypt", "kms:GenerateDataKey"];

function stateStatements(footprint: StackFootprint, write: boolean): PolicyStatement[] {
  const { backend, project, stack } = footprint;
  if (backend === undefined) return [];
  const stateBucket = backend.bucket;
  // The self-managed backend's layout (pulumi/pulumi pkg/backend/diy): the stack, its history and
  // backups under <project>/<stack> (store.go, projectReferenceStore), the journal of newer CLIs
  // likewise (journal.go), and the lock under the fully qualified name,
  // locks/organization/<project>/<stack>/<id>.json (lock.go, stackLockDir). Updates, imports,
  // destroys and refreshes lock; a preview does not (backend.go), but the preview role keeps
  // its lock grant so that a refresh outside a preview fails on nothing but its own scope.
  const root = `arn:aws:s3:::${stateBucket}/.pulumi`;
  const own = [
    `${root}/stacks/${project}/${stack}.json*`,
    `${root}/history/${project}/${stack}/*`,
    `${root}/backups/${project}/${stack}/*`,
    `${root}/journal/${project}/${stack}/*`,
  ];
  const locks = [`${root}/locks/organization/${project}/${stack}/*`];
  return [
    {
      Sid: "ListState",
      Effect: "Allow",
      Action: ["s3:ListBucket", "s3:GetBucketLocation"],
      Resource: [`arn:aws:s3:::${stateBucket}`],
    },
    {
      Sid: "ReadState",
      Effect: "Allow",
      Action: ["s3:GetObject"],
      Resource: [...own, ...locks, `${root}/meta.yaml`],
    },
    {
      Sid: write ? "WriteStateAndLock" : "TakeLock",
      Effect: "Allow",
      Action: ["s3:PutObject", "s3:DeleteObject"],
      Resource: write ? [...own, ...locks] : locks,
    },
    {
      Sid: write ? "UseSecretsKey" : "DecryptSecrets",
      Effect: "Allow",
      Action: write ? SECRETS_WRITE : SECRETS_READ,
      Resource: [backend.secretsKeyArn],
    },
  ];
}

/** A deployment: create, change and delete what the stack manages, and nothing else. */
export function deployPermissions(footprint: StackFootprint): PolicyStatement[] {
  return [
    {
      Sid: "ManageBuckets",
      Effect: "Allow",
      Action: [...BUCKET_READ, ...BUCKET_WRITE],
      Resource: bucketArns(footprint.buckets),
    },
    {
      Sid: "ManageOwnObjects",
      Effect: "Allow",
      Action: [...OBJECT_READ, ...OBJECT_WRITE],
      Resource: objectArns(footprint.objects),
    },
    ...stateStatements(footprint, true),
  ];
}

/** A preview or drift check: read what the stack manages (a refresh), change nothing. */
export function previewPermissions(footprint: StackFootprint): PolicyStatement[] {
  return [
    {
      Sid: "ReadBuckets",
      Effect: "Allow",
      Action: BUCKET_READ,
      Resource: bucketArns(footprint.buckets),
    },
    {
      Sid: "ReadOwnObjects",
      Effect: "Allow",
      Action: OBJECT_READ,
      Resource: objectArns(footprint.objects),
    },
    ...stateStatements(footprint, false),
  ];
}
