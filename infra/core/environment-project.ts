import { digitalocean } from "../sdk/digitalocean.ts";
import type * as pulumi from "@pulumi/pulumi";
import { PlatformComponent } from "./component.ts";

/** DigitalOcean's environment labels for a project. */
export type ProjectEnvironment = "Development" | "Staging" | "Production";

export interface EnvironmentProjectArgs {
  /** Name shown in the DigitalOcean control panel, e.g. `platform-production`. */
  projectName: string;
  /** What the project holds, shown beside its name. */
  description: string;
  environment: ProjectEnvironment;
}

/**
 * The DigitalOcean project that groups one environment's resources, so that the control panel,
 * billing and access reviews see staging and production apart. Resources join it through their
 * own `projectId`.
 */
export class EnvironmentProject extends PlatformComponent {
  readonly projectId: pulumi.Output<string>;
  readonly projectName: pulumi.Output<string>;

  constructor(name: string, args: EnvironmentProjectArgs, opts?: pulumi.ComponentResourceOptions) {
    super("core", "EnvironmentProject", name, opts);

    const project = new digitalocean.Project(
      `${name}-project`,
      {
        name: args.projectName,
        description: args.description,
        environment: args.environment,
        purpose: "Web Application",
      },
      { parent: this },
    );

    this.projectId = project.id;
    this.projectName = project.name;
    this.registerOutputs({ projectId: this.projectId, projectName: this.projectName });
  }
}
