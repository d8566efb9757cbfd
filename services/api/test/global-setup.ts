// The integration tests need a real PostgreSQL server. CI always starts one, so a missing URL is a
// broken setup: fail loudly instead of skipping and reporting green.
export default function setup(): void {
  if (process.env.TEST_DATABASE_URL === undefined || process.env.TEST_DATABASE_URL === "") {
    throw new Error(
      "TEST_DATABASE_URL is not set. Start a throwaway server with\n" +
        '  eval "$(services/api/scripts/test-postgres.sh start)" && export TEST_DATABASE_URL\n' +
        "and run the tests again.",
    );
  }
}
