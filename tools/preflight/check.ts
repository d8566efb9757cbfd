// What one preflight check found, and how a run prints: one line per check with its mark, the fix
// under a failed one, and a summary. Four outcomes, because not everything can be asked of an API
// without writing: a check passes or fails on what the provider answered; "confirm" means the
// provider offers no read that could tell (the line says what to confirm, and where); "not run"
// means a check it depends on failed first.

export type Status = "pass" | "fail" | "confirm" | "skipped";

export interface Check {
  /** Stable id for `--json`, e.g. `digitalocean.registry`. */
  id: string;
  /** The group the line is printed under: Credentials, DigitalOcean, AWS, … */
  group: string;
  /** What was checked, in a few words. */
  title: string;
  status: Status;
  /** What the provider answered: a sentence, possibly several lines. */
  detail: string;
  /** What to do about a failure or an unconfirmed line; shell commands where there is one. */
  fix?: string;
}

export const MARKS: Record<Status, string> = {
  pass: "✓",
  fail: "✗",
  confirm: "?",
  skipped: "–",
};

/** Builds the checks of one group. */
export function checksOf(group: string) {
  const make =
    (status: Status) =>
    (id: string, title: string, detail: string, fix?: string): Check => ({
      id,
      group,
      title,
      status,
      detail,
      ...(fix === undefined ? {} : { fix }),
    });
  return {
    pass: make("pass"),
    fail: make("fail"),
    confirm: make("confirm"),
    skip: make("skipped"),
  };
}

export interface Report {
  stack: string;
  /** False when any check failed: the command then exits 1. */
  ok: boolean;
  counts: Record<Status, number>;
  checks: Check[];
  /**
   * A `pulumi import --file` document adopting the zone's existing entry-point rulesets, when any
   * exists (also printed in the fix of `cloudflare.rulesets`).
   */
  importFile?: unknown;
}

export function reportOf(stack: string, checks: Check[], importFile?: unknown): Report {
  const counts: Record<Status, number> = { pass: 0, fail: 0, confirm: 0, skipped: 0 };
  for (const check of checks) counts[check.status] += 1;
  return {
    stack,
    ok: counts.fail === 0,
    counts,
    checks,
    ...(importFile === undefined ? {} : { importFile }),
  };
}

function indented(text: string, first: string, rest: string): string[] {
  return text.split("\n").map((line, index) => `${index === 0 ? first : rest}${line}`);
}

/** The report for a terminal or a CI log: grouped lines, fixes indented under their check. */
export function renderText(report: Report): string {
  const lines = [
    `Preflight of stack "${report.stack}" (read-only: nothing was created, changed or written)`,
  ];
  let group: string | undefined;
  for (const check of report.checks) {
    if (check.group !== group) {
      group = check.group;
      lines.push("", group);
    }
    lines.push(
      ...indented(`${check.title}: ${check.detail}`, `  ${MARKS[check.status]} `, "      "),
    );
    if (check.fix !== undefined) lines.push(...indented(check.fix, "      fix: ", "           "));
  }
  const { pass, fail, confirm, skipped } = report.counts;
  lines.push(
    "",
    `${String(pass)} passed, ${String(fail)} failed, ${String(confirm)} to confirm by hand, ${String(skipped)} not run.`,
    report.ok
      ? "Nothing failed: `pulumi up` may go ahead (confirm the lines marked ? if not done yet)."
      : "Fix what failed and run `pnpm preflight` again before `pulumi up`.",
  );
  return `${lines.join("\n")}\n`;
}
