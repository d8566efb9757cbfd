// One DigitalOcean team per environment, checked before anything is registered. The container
// registry and its subscription tier are one per team, so two stacks in one team would fight over
// them (staging's `basic` and production's `professional` flipping the tier on every run, or the
// second create failing). The provider's account data source does not expose the team, so the
// program asks DigitalOcean's API itself (`GET /v2/account`, whose `account.team` holds `uuid` and
// `name`), with the same token and endpoint the provider uses.
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import {
  type DigitalOceanApi,
  getFromDigitalOcean,
  HOW_TO_AUTHENTICATE,
} from "./digitalocean-api.ts";

export interface DigitalOceanTeam {
  uuid: string;
  name: string;
}

const AccountResponse = z.object({
  account: z.object({
    email: z.string().optional(),
    team: z.object({ uuid: z.string(), name: z.string() }).optional(),
  }),
});

/** The team that owns the token. Errors say what failed and how to fix it; none echoes the token. */
export async function fetchTeam(digitalOcean: DigitalOceanApi): Promise<DigitalOceanTeam> {
  const response = await getFromDigitalOcean(digitalOcean, "v2/account", "to check the team");
  const parsed = AccountResponse.safeParse(response.body);
  if (!parsed.success || parsed.data.account.team === undefined) {
    throw new pulumi.RunError(
      "The DigitalOcean account answer names no team. Use a token created inside the environment's team (API tokens belong to one team).",
    );
  }
  return parsed.data.account.team;
}

/** Why the token's team is not the stack's, or undefined when it is (by name or UUID). */
export function teamMismatch(
  stack: string,
  expected: string,
  actual: DigitalOceanTeam,
): string | undefined {
  if (actual.name === expected || actual.uuid === expected) return undefined;
  return [
    `Stack "${stack}" belongs to the DigitalOcean team "${expected}" (platform:digitalocean.team), but the token belongs to team "${actual.name}" (${actual.uuid}). Nothing was changed.`,
    `  fix: use a token of team "${expected}" (${HOW_TO_AUTHENTICATE})`,
    `   or, if this stack really moved to "${actual.name}": pulumi config set --path digitalocean.team "${actual.name}"`,
  ].join("\n");
}

/** Stops the program, before it registers anything, when the token belongs to another team. */
export async function requireDigitalOceanTeam(
  stack: string,
  expected: string,
  digitalOcean: DigitalOceanApi,
): Promise<DigitalOceanTeam> {
  const actual = await fetchTeam(digitalOcean);
  const problem = teamMismatch(stack, expected, actual);
  if (problem !== undefined) throw new pulumi.RunError(problem);
  return actual;
}
