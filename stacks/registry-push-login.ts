// Registry credentials for one update: DigitalOcean issues a Docker login to the account's
// registry that expires after `expirySeconds` (`GET /v2/registry/docker-credentials`, as godo's
// RegistryService.DockerCredentials sends it; the API reference gates it on the scopes
// registry:read and registry:update). The stack asks for one as soon as the registry exists and
// only in an update: a preview builds and pushes nothing, so it needs no credentials, and no
// read-only token is ever asked to issue any.
import * as pulumi from "@pulumi/pulumi";
import { DOCR_SERVER } from "../infra/compute/container-registry.ts";
import { registryLoginFrom, type RegistryLogin } from "../infra/compute/registry-login.ts";
import { type DigitalOceanApi, getFromDigitalOcean } from "./digitalocean-api.ts";

/** Two hours: the longest run (a deploy job's hour) with as much again to spare. */
export const PUSH_LOGIN_EXPIRY_SECONDS = 7200;

/** What a preview's images are given: a preview never logs in to the registry. */
export const PREVIEW_LOGIN: RegistryLogin = {
  server: DOCR_SERVER,
  username: "preview",
  password: "a preview pushes nothing",
};

export async function issuePushLogin(
  digitalOcean: DigitalOceanApi,
  registryName: string,
  expirySeconds = PUSH_LOGIN_EXPIRY_SECONDS,
): Promise<RegistryLogin> {
  const response = await getFromDigitalOcean(
    digitalOcean,
    `v2/registry/docker-credentials?read_write=true&expiry_seconds=${String(expirySeconds)}`,
    `to push images to the registry ${registryName}`,
    "The DigitalOcean API refused to issue registry credentials: the token needs the scopes registry:read and registry:update",
  );
  try {
    return registryLoginFrom(response.text, DOCR_SERVER);
  } catch (error) {
    throw new pulumi.RunError(
      `DigitalOcean's registry credentials for ${registryName} cannot be read: ${(error as Error).message}.`,
    );
  }
}

/** The login each image is pushed with: issued in an update, a stand-in in a preview. */
export function pushLoginIssuer(
  digitalOcean: DigitalOceanApi,
  dryRun: boolean,
): (registryName: string) => Promise<RegistryLogin> {
  return dryRun
    ? () => Promise.resolve(PREVIEW_LOGIN)
    : (registryName) => issuePushLogin(digitalOcean, registryName);
}
