// The bootstrap's config as plain functions: every problem in the found / allowed / fix form, the
// refs each flow deploys, and the problems of keys the project does not know.
import { describe, expect, it } from "vitest";
import { deployRefs, validateBootstrapConfig } from "../../bootstrap/config.ts";

const production = { reviewers: { teams: ["leads"] }, previewReviewers: { teams: ["leads"] } };
const valid = {
  github: JSON.stringify({ owner: "acme", repository: "platform", releaseTeam: "release" }),
  environments: JSON.stringify({ staging: {}, production }),
};

describe("the bootstrap's config", () => {
  it("takes the defaults: the trunk flow on main, releases v*, one review, subjects and attestations as GitHub has them", () => {
    const result = validateBootstrapConfig(valid);
    if (!result.ok) throw new Error(JSON.stringify(result.problems));
    expect(result.config.github).toEqual({
      owner: "acme",
      repository: "platform",
      releaseTeam: "release",
      defaultBranch: "main",
      requiredReviews: 1,
      flow: "trunk",
      stagingBranch: "staging",
      releaseTags: "v*",
    });
    // Unset, the bootstrap attests images where the repository is public (repository.ts), and
    // trusts the subject form GitHub reports for it (identity.ts).
    expect(result.config.github.attestImages).toBeUndefined();
    expect(result.config.github.oidcSubject).toBeUndefined();
    expect(result.config.environments.staging).toEqual({
      reviewers: { users: [], teams: [] },
      previewReviewers: { users: [], teams: [] },
      existingOidcProvider: false,
    });
  });

  it("derives each flow's refs", () => {
    const result = validateBootstrapConfig(valid);
    if (!result.ok) throw new Error("invalid");
    expect(deployRefs(result.config.github)).toEqual({
      staging: { branch: "main" },
      production: { tagPattern: "v*" },
    });
    expect(deployRefs({ ...result.config.github, flow: "branches" })).toEqual({
      staging: { branch: "staging" },
      production: { branch: "main" },
    });
  });

  it("names a misspelt key with the key it resembles, and an unknown one without", () => {
    const result = validateBootstrapConfig({
      ...valid,
      github: JSON.stringify({ owner: "acme", repository: "platform", relaseTeam: "x", colour: 1 }),
    });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems).toEqual([
      {
        key: "platform-bootstrap:github.relaseTeam",
        found:
          "a key the bootstrap project does not know: did you mean platform-bootstrap:github.releaseTeam?",
        allowed: expect.stringMatching(/^one of owner, repository, .*attestImages$/) as unknown,
        fix: "pulumi config rm --path 'github.relaseTeam'",
      },
      expect.objectContaining({
        key: "platform-bootstrap:github.colour",
        found: "a key the bootstrap project does not know",
      }),
    ]);
  });

  it("reports missing groups and values key by key, each with a command that sets it", () => {
    const result = validateBootstrapConfig({ github: "not json", environments: "{}" });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems.map(({ key, fix }) => `${key}: ${fix}`)).toEqual([
      "platform-bootstrap:github: pulumi config set --path 'github' <value>   (see bootstrap/Pulumi.identity.yaml)",
      "platform-bootstrap:environments.staging: pulumi config set --path 'environments.staging' <value>   (see bootstrap/Pulumi.identity.yaml)",
      "platform-bootstrap:environments.production: pulumi config set --path 'environments.production' <value>   (see bootstrap/Pulumi.identity.yaml)",
    ]);
    const missing = validateBootstrapConfig({});
    expect(missing.ok).toBe(false);
    if (missing.ok) return;
    expect(missing.problems[0]).toEqual({
      key: "platform-bootstrap:github.owner",
      found: "nothing (the key is not set)",
      allowed: "a GitHub user or organisation name",
      fix: "pulumi config set --path 'github.owner' 'acme'",
    });
  });
});
