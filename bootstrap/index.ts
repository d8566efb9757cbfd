// Entry of the bootstrap project: the platform's identity and guard rails, applied by an
// administrator, never by a workflow. Validates its config and the platform's stack files before
// a single resource is registered, then declares the CI roles (AWS) and the environments and
// rulesets (GitHub), and exports the trust model for auditors.
import { github } from "../infra/sdk/github.ts";
import { loadBootstrapConfig } from "./config.ts";
import { buildIdentity, repositoryOnGitHub } from "./identity.ts";
import type { BootstrapOutputs } from "./outputs.ts";
import { readPlatformStacks } from "./platform-stacks.ts";
import { buildRepository } from "./repository.ts";

const config = loadBootstrapConfig();
const stacks = await readPlatformStacks(new URL("../", import.meta.url));
// Resources land in the configured owner's repository, whatever account the token belongs to.
const githubProvider = new github.Provider("github", { owner: config.github.owner });
const repository = repositoryOnGitHub(config, githubProvider);
const identities = buildIdentity(config, stacks, repository, githubProvider);
const { environments, rulesets } = buildRepository(config, identities, githubProvider, repository);

export const bootstrap: BootstrapOutputs = {
  repository: `${config.github.owner}/${config.github.repository}`,
  flow: config.github.flow,
  environments,
  rulesets,
  oidcProviders: [
    ...new Map(
      identities.map(({ oidcProvider }) => [oidcProvider.accountId, oidcProvider]),
    ).values(),
  ],
  stateBackends: identities.flatMap(({ environment, backend }) =>
    backend === undefined ? [] : [{ environment, ...backend }],
  ),
};
