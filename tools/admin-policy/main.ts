// `pnpm admin-policy`: the IAM policy the administrator needs, in each AWS account the bootstrap
// uses, to apply, update and destroy it, derived from the bootstrap's offline plan (the same run
// as `pnpm plan bootstrap`). Needs no credentials.
//   --account <id>         one account's policy only
//   --json                 one object: {limit, accounts: [{accountId, documents, sizes, …}], notCovered}
//   --stack-file <path>    another bootstrap stack file (tests, experiments)
// Exits 1 when the bootstrap uses an AWS type, function or input the action table lacks.
import { Exit, exitCodeOf, parseCommandLine, STACK_TOOL_OPTIONS } from "../command-line.ts";
import { AdminPolicyError, adminPolicies } from "./policy.ts";
import { adminPolicyReport, renderAdminPolicyText } from "./render.ts";

const usage = "usage: pnpm admin-policy [--account <id>] [--json] [--stack-file <path>]";

function commandLine() {
  const { values } = parseCommandLine(
    { options: { ...STACK_TOOL_OPTIONS, account: { type: "string" } } },
    usage,
  );
  if (values.help) return "help" as const;
  const { account } = values;
  if (account !== undefined && !/^\d{12}$/.test(account)) {
    throw new Exit(2, `--account takes an AWS account id (12 digits), not "${account}".\n${usage}`);
  }
  return { stackFile: values["stack-file"], json: values.json, account };
}

async function main(): Promise<number> {
  const options = commandLine();
  if (options === "help") {
    process.stdout.write(`${usage}\n`);
    return 0;
  }
  const { bootstrapRun } = await import("./bootstrap-run.ts");
  const run = await bootstrapRun(options.stackFile);
  let policies;
  try {
    policies = adminPolicies(run);
  } catch (error) {
    if (error instanceof AdminPolicyError) throw new Exit(1, error.message);
    throw error;
  }
  if (options.account !== undefined) {
    const known = policies.accounts.map(({ accountId }) => accountId);
    if (!known.includes(options.account)) {
      throw new Exit(
        1,
        `The bootstrap uses no AWS account ${options.account}; its accounts: ${known.join(", ")} (from the platform's stack files, platform:aws.accountId).`,
      );
    }
    policies = {
      ...policies,
      accounts: policies.accounts.filter(({ accountId }) => accountId === options.account),
    };
  }
  process.stdout.write(
    options.json
      ? `${JSON.stringify(adminPolicyReport(policies), null, 2)}\n`
      : renderAdminPolicyText(policies),
  );
  return 0;
}

process.exitCode = await exitCodeOf(main);
