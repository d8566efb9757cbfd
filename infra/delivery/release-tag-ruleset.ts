// The release tags' ruleset: only the release team may create, move or delete a tag that deploys
// production. Without it any writer could tag an unmerged commit, whose own workflow would then
// run with production's credentials after one approval.
import { github } from "../sdk/github.ts";
import type * as pulumi from "@pulumi/pulumi";
import { PlatformComponent } from "../core/component.ts";

export interface ReleaseTagRulesetArgs {
  repository: string;
  /** The tags that deploy, as a pattern of tag names, e.g. `v*`. */
  tagPattern: string;
  /** The team whose members may create, update and delete those tags (its numeric id). */
  releaseTeamId: pulumi.Input<number>;
}

export class ReleaseTagRuleset extends PlatformComponent {
  constructor(name: string, args: ReleaseTagRulesetArgs, opts?: pulumi.ComponentResourceOptions) {
    super("delivery", "ReleaseTagRuleset", name, opts);
    new github.RepositoryRuleset(
      `${name}-ruleset`,
      {
        repository: args.repository,
        name: "release-tags",
        target: "tag",
        enforcement: "active",
        conditions: { refName: { includes: [`refs/tags/${args.tagPattern}`], excludes: [] } },
        // `creation`, `update` and `deletion` each "only allow users with bypass permission"
        // (GitHub REST "Create a repository ruleset", rules): the bypass list is who may.
        rules: { creation: true, update: true, deletion: true, nonFastForward: true },
        bypassActors: [{ actorType: "Team", actorId: args.releaseTeamId, bypassMode: "always" }],
      },
      { parent: this, protect: true, retainOnDelete: true },
    );
    this.registerOutputs({});
  }
}
