// The integration tests need a real PostgreSQL server. CI always starts one, so a missing URL is a
// broken setup: fail loudly instead of skipping and reporting green. The message goes out and the
// process ends here, before vitest adds a misleading "No test files found" to a thrown error.
export default function setup(): void {
  if (process.env.TEST_DATABASE_URL === undefined || process.env.TEST_DATABASE_URL === "") {
    process.stderr.write(
      "TEST_DATABASE_URL is not set: the api's tests need a PostgreSQL server.\n" +
        "From the repository root, `./quickstart test` starts a throwaway one, runs the whole\n" +
        "suite and stops it. By hand (PostgreSQL's server binaries installed):\n" +
        '  eval "$(services/test-postgres.sh start)" && export TEST_DATABASE_URL\n' +
        "then run the tests again, and `services/test-postgres.sh stop` afterwards.\n",
    );
    process.exit(1);
  }
}
