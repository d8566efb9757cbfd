import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { uploaderPolicy } from "./bucket-policies.ts";

export interface UploadIdentityArgs {
  /** IAM user name, e.g. `platform-production-api-uploads`. */
  userName: string;
  /** ARN of the bucket the api writes to. */
  bucketArn: pulumi.Input<string>;
  /** Key prefix the api may put, read and delete under, e.g. `uploads/`. */
  uploadPrefix: string;
}

/**
 * The api's identity on AWS: an IAM user that may only put, read and delete objects under the
 * bucket's upload prefix. App Platform cannot assume an AWS role, so the api needs an access key;
 * it is created here and handed over as a secret, never written anywhere else.
 */
export class UploadIdentity extends pulumi.ComponentResource {
  readonly accessKeyId: pulumi.Output<string>;
  /** The secret half of the access key (secret). */
  readonly secretAccessKey: pulumi.Output<string>;
  readonly userArn: pulumi.Output<string>;

  constructor(name: string, args: UploadIdentityArgs, opts?: pulumi.ComponentResourceOptions) {
    super("platform:storage:UploadIdentity", name, {}, opts);

    if (!/^[a-z0-9-]+\/$/.test(args.uploadPrefix)) {
      throw new Error(
        `UploadIdentity ${name}: uploadPrefix "${args.uploadPrefix}" must be a key prefix ending in "/", such as uploads/`,
      );
    }
    const user = new aws.iam.User(
      `${name}-user`,
      { name: args.userName, path: "/platform/", forceDestroy: true },
      { parent: this },
    );
    new aws.iam.UserPolicy(
      `${name}-policy`,
      {
        user: user.name,
        policy: pulumi
          .output(args.bucketArn)
          .apply((arn) => JSON.stringify(uploaderPolicy(arn, args.uploadPrefix))),
      },
      { parent: this },
    );
    const accessKey = new aws.iam.AccessKey(
      `${name}-access-key`,
      { user: user.name },
      // The provider SDK itself marks `secret` secret.
      { parent: this },
    );

    this.accessKeyId = accessKey.id;
    this.secretAccessKey = pulumi.secret(accessKey.secret);
    this.userArn = user.arn;
    this.registerOutputs({
      accessKeyId: this.accessKeyId,
      secretAccessKey: this.secretAccessKey,
      userArn: this.userArn,
    });
  }
}
