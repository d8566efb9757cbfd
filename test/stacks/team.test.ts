// One DigitalOcean team per environment: a token of another team stops the program before it
// registers anything.
import { beforeAll, describe, expect, it } from "vitest";
import { fetchTeam, teamMismatch, type DigitalOceanTeam } from "../../stacks/digitalocean-team.ts";
import { startFakeDigitalOceanApi } from "../../tools/mock/digitalocean-api.ts";
import type { ProgramRun } from "../../tools/mock/run-program.ts";
import { runStack } from "../../tools/mock/run-stack.ts";

let run: ProgramRun;

beforeAll(async () => {
  run = await runStack("production", { credentialsTeam: "acme-staging" });
});

const errorOf = async (promise: Promise<unknown>): Promise<string> =>
  promise.then(
    () => "no error",
    (error: unknown) => (error as Error).message,
  );

describe("a production run with staging's DigitalOcean token", () => {
  it("stops with the stack, both teams and the fix, and registers nothing", () => {
    expect(run.errors.map(String)).toEqual([
      expect.stringContaining(
        'Stack "production" belongs to the DigitalOcean team "acme-production" (platform:digitalocean.team), but the token belongs to team "acme-staging"',
      ),
    ]);
    expect(String(run.errors[0])).toContain('fix: use a token of team "acme-production"');
    expect(run.resources).toEqual([]);
  });
});

describe("the team check", () => {
  const team: DigitalOceanTeam = { uuid: "6f1d7c1e-0000-4000-a000-000000000001", name: "acme" };

  it("accepts the team by name or by UUID", () => {
    expect(teamMismatch("staging", "acme", team)).toBeUndefined();
    expect(teamMismatch("staging", team.uuid, team)).toBeUndefined();
    expect(teamMismatch("staging", "other", team)).toContain('team "acme" (6f1d7c1e-');
  });

  it("asks the API with the provider's token and reads the team", async () => {
    const api = await startFakeDigitalOceanApi("acme-production");
    try {
      const found = await fetchTeam({ endpoint: api.endpoint, token: "dop_v1_token" });
      expect(found.name).toBe("acme-production");
      expect(api.tokens).toEqual(["dop_v1_token"]);
    } finally {
      await api.close();
    }
  });

  it("says how to authenticate when no token is set, without calling anyone", async () => {
    expect(await errorOf(fetchTeam({ endpoint: "http://127.0.0.1:9", token: undefined }))).toBe(
      "No DigitalOcean token is set (to check the team): export DIGITALOCEAN_TOKEN=<a token of the environment's team>, or pulumi config set --secret digitalocean:token <token>.",
    );
  });

  it("names the endpoint it could not reach", async () => {
    expect(await errorOf(fetchTeam({ endpoint: "http://127.0.0.1:9", token: "t" }))).toMatch(
      /^Could not reach the DigitalOcean API at http:\/\/127\.0\.0\.1:9 \(to check the team\)/,
    );
  });
});
