// A self-managed Pulumi backend for one environment, in that environment's AWS account: the S3
// bucket that holds its stacks' state (locked like every bucket of the platform, access-logged,
// TLS only) and the KMS key its stacks' secrets are encrypted with (`awskms://` secrets
// provider). Access is granted by the CI roles' own policies, per stack (ci-permissions.ts): the
// deploy role writes its stack's state and uses the key, the preview role only reads and
// decrypts. One environment's CI reaches nothing of another's, not even its state.
import { aws } from "../sdk/aws.ts";
import * as pulumi from "@pulumi/pulumi";
import { denyInsecureTransport } from "../storage/bucket-policies.ts";
import { loggedBucket } from "../storage/locked-bucket.ts";
import { PlatformComponent } from "../core/component.ts";

export interface StateBackendArgs {
  /** The state bucket's name; its access logs go to `<bucketName>-logs`. */
  bucketName: string;
  /** The key's alias without `alias/`, e.g. `platform-production-secrets`. */
  secretsKeyAlias: string;
  /** The region of the bucket and the key (the provider's). */
  region: string;
  /**
   * Days a replaced state file (every update writes one) is kept: the history a broken update
   * is restored from.
   * @default 90
   */
  noncurrentVersionDays?: number;
}

export class StateBackend extends PlatformComponent {
  readonly bucketName: pulumi.Output<string>;
  readonly secretsKeyArn: pulumi.Output<string>;
  /** `awskms://alias/<alias>?region=<region>`: what `pulumi stack init --secrets-provider` takes. */
  readonly secretsProvider: pulumi.Output<string>;

  constructor(name: string, args: StateBackendArgs, opts?: pulumi.ComponentResourceOptions) {
    super("delivery", "StateBackend", name, opts);
    // State is what every later run starts from: it outlives this project by design.
    const { main: state } = loggedBucket(this, name, args.bucketName, {
      protect: true,
      noncurrentDays: args.noncurrentVersionDays ?? 90,
      abortAfterDays: 7,
      logRetentionDays: 365,
    });
    new aws.s3.BucketPolicy(
      `${name}-policy`,
      {
        bucket: state.bucket.id,
        policy: state.bucket.arn.apply((arn) =>
          JSON.stringify({ Version: "2012-10-17", Statement: [denyInsecureTransport(arn)] }),
        ),
      },
      { parent: this, dependsOn: [state.publicAccessBlock] },
    );
    const key = new aws.kms.Key(
      `${name}-secrets-key`,
      {
        description: `Pulumi secrets of the stacks whose state is in ${args.bucketName}`,
        enableKeyRotation: true,
        // The longest AWS allows: a key deleted by mistake can be restored for 30 days.
        deletionWindowInDays: 30,
      },
      // Without it no secret in any state of the bucket can be read again.
      { parent: this, protect: true, retainOnDelete: true },
    );
    const alias = new aws.kms.Alias(
      `${name}-secrets-alias`,
      { name: `alias/${args.secretsKeyAlias}`, targetKeyId: key.keyId },
      { parent: this },
    );
    this.bucketName = state.bucket.bucket;
    this.secretsKeyArn = key.arn;
    this.secretsProvider = pulumi.interpolate`awskms://${alias.name}?region=${args.region}`;
    this.registerOutputs({
      bucketName: this.bucketName,
      secretsKeyArn: this.secretsKeyArn,
      secretsProvider: this.secretsProvider,
    });
  }
}
