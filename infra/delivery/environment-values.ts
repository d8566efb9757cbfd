// Values a stack writes into a GitHub Actions environment that already exists: plain variables
// its jobs read as `vars.<NAME>` and secrets they read as `secrets.<NAME>`, written from the
// stack's own outputs so nobody copies them by hand. The environment itself, who may enter it
// and who approves, belong to whoever owns the trust model (the bootstrap project): a token that
// can write these values cannot loosen the environment's protection.
import { github } from "../sdk/github.ts";
import * as pulumi from "@pulumi/pulumi";
import { PlatformComponent } from "../core/component.ts";

export interface EnvironmentValuesArgs {
  repository: string;
  /** The environment's name, e.g. `production`. It must exist. */
  environment: pulumi.Input<string>;
  /** Plain configuration the jobs read as `vars.<NAME>`. */
  variables: Record<string, pulumi.Input<string>>;
  /** Values the jobs read as `secrets.<NAME>`, encrypted by GitHub. */
  secrets?: Record<string, pulumi.Input<string>>;
}

export class EnvironmentValues extends PlatformComponent {
  constructor(name: string, args: EnvironmentValuesArgs, opts?: pulumi.ComponentResourceOptions) {
    super("delivery", "EnvironmentValues", name, opts);
    for (const [variableName, value] of Object.entries(args.variables)) {
      new github.ActionsEnvironmentVariable(
        `${name}-var-${variableName.toLowerCase()}`,
        { repository: args.repository, environment: args.environment, variableName, value },
        { parent: this },
      );
    }
    for (const [secretName, value] of Object.entries(args.secrets ?? {})) {
      new github.ActionsEnvironmentSecret(
        `${name}-secret-${secretName.toLowerCase()}`,
        {
          repository: args.repository,
          environment: args.environment,
          secretName,
          value: pulumi.secret(value),
        },
        { parent: this },
      );
    }
    this.registerOutputs({});
  }
}
