// The browser tests need the real api on a real PostgreSQL server, and a Chromium. CI always has
// both, so a missing one is a broken setup: fail loudly instead of skipping and reporting green.
// The message goes out and the process ends here, before vitest adds a misleading "No test files
// found" to a thrown error.
import { chromiumProblem } from "./support/chromium.ts";

export default function setup(): void {
  const problems: string[] = [];
  if (process.env.TEST_DATABASE_URL === undefined || process.env.TEST_DATABASE_URL === "") {
    problems.push(
      "TEST_DATABASE_URL is not set: the browser tests run the api on a PostgreSQL server.\n" +
        "  By hand (PostgreSQL's server binaries installed), from the repository root:\n" +
        '    eval "$(services/test-postgres.sh start)" && export TEST_DATABASE_URL\n' +
        "  and `services/test-postgres.sh stop` afterwards.",
    );
  }
  const browser = chromiumProblem();
  if (browser !== undefined) problems.push(browser);
  if (problems.length > 0) {
    process.stderr.write(
      `${problems.join("\n")}\n` +
        "From the repository root, `./quickstart test` brings both, runs the whole suite and\n" +
        "stops the server.\n",
    );
    process.exit(1);
  }
}
