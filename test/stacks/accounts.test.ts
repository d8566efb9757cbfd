// One AWS account per environment, like the DigitalOcean team: credentials of another account stop
// the program before it registers anything, naming both accounts and the fix. And the registry
// login an update pushes with: issued by DigitalOcean for that update only, never in a preview.
import { describe, expect, it } from "vitest";
import { accountMismatch } from "../../stacks/aws-account.ts";
import {
  issuePushLogin,
  PREVIEW_LOGIN,
  pushLoginIssuer,
} from "../../stacks/registry-push-login.ts";
import { READ_ONLY_TOKEN, startFakeDigitalOceanApi } from "../../tools/mock/digitalocean-api.ts";
import { runStackInChild } from "../support/child-run.ts";
import { planned } from "../support/plans.ts";

const errorOf = async (promise: Promise<unknown>): Promise<string> =>
  promise.then(
    () => "no error",
    (error: unknown) => (error as Error).message,
  );

describe("a production run with another AWS account's credentials", () => {
  it("stops with the stack, both accounts and the fix, and registers nothing but providers", async () => {
    const run = await runStackInChild("production", { credentialsAccount: "111111111111" });
    expect(run.errors).toEqual([
      expect.stringContaining(
        'Stack "production" lives in the AWS account 222222222222 (platform:aws.accountId), but the AWS credentials belong to account 111111111111. Nothing was changed.',
      ),
    ]);
    expect(run.errors[0]).toContain(
      "or, if this stack really moved to 111111111111: pulumi config set --path aws.accountId '111111111111'",
    );
    // The probe's provider is all there is: no resource of the platform was declared.
    expect(run.options.map(({ type }) => type)).toEqual(["pulumi:providers:aws"]);
  });

  it("runs when the credentials are the stack's own", async () => {
    // The offline credentials belong to the account the stack names (222222222222, as the error
    // above shows) unless a test says otherwise: the run test/global-setup.ts made is this run.
    const { run } = await planned("production");
    expect(run.errors).toEqual([]);
  });
});

describe("the account check", () => {
  it("says nothing for the stack's own account, and both ids otherwise", () => {
    expect(accountMismatch("staging", "111111111111", "111111111111")).toBeUndefined();
    expect(accountMismatch("staging", "111111111111", "999999999999")).toMatch(
      /^Stack "staging" lives in the AWS account 111111111111 .* belong to account 999999999999/,
    );
  });
});

describe("the registry login", () => {
  it("is DigitalOcean's, for the registry server, asked with the provider's token", async () => {
    const api = await startFakeDigitalOceanApi("acme-production");
    try {
      const login = await issuePushLogin({ endpoint: api.endpoint, token: "dop_v1_token" }, "acme");
      expect(login.server).toBe("registry.digitalocean.com");
      expect(login.username).toMatch(/^[0-9a-f-]{36}$/);
      expect(login.password).toMatch(/^[0-9a-f-]{36}$/);
      expect(api.tokens).toEqual(["dop_v1_token"]);
    } finally {
      await api.close();
    }
  });

  it("is never asked for in a preview", async () => {
    const issue = pushLoginIssuer({ endpoint: "http://127.0.0.1:9", token: "t" }, true);
    expect(await issue("acme")).toEqual(PREVIEW_LOGIN);
  });

  it("says which scopes a refusing token lacks", async () => {
    const api = await startFakeDigitalOceanApi("acme-production");
    try {
      expect(
        await errorOf(issuePushLogin({ endpoint: api.endpoint, token: READ_ONLY_TOKEN }, "acme")),
      ).toBe(
        "The DigitalOcean API refused to issue registry credentials: the token needs the scopes registry:read and registry:update (HTTP 403, to push images to the registry acme): export DIGITALOCEAN_TOKEN=<a token of the environment's team>, or pulumi config set --secret digitalocean:token <token>.",
      );
    } finally {
      await api.close();
    }
  });

  it("says what it could not reach, and that no token is set", async () => {
    const refusing = await startFakeDigitalOceanApi("acme-production");
    await refusing.close();
    expect(
      await errorOf(issuePushLogin({ endpoint: refusing.endpoint, token: "t" }, "acme")),
    ).toMatch(
      /^Could not reach the DigitalOcean API at http:\/\/127\.0\.0\.1:\d+ \(to push images to the registry acme\)/,
    );
    expect(
      await errorOf(issuePushLogin({ endpoint: "http://127.0.0.1:9", token: undefined }, "acme")),
    ).toBe(
      "No DigitalOcean token is set (to push images to the registry acme): export DIGITALOCEAN_TOKEN=<a token of the environment's team>, or pulumi config set --secret digitalocean:token <token>.",
    );
  });
});
