// The processor's tests need a real PostgreSQL server, as the api's do: fail loudly without one.
export default function setup(): void {
  if (process.env.TEST_DATABASE_URL === undefined || process.env.TEST_DATABASE_URL === "") {
    process.stderr.write(
      "TEST_DATABASE_URL is not set: the processor's tests need a PostgreSQL server.\n" +
        "From the repository root, `./quickstart test` starts a throwaway one; by hand:\n" +
        '  eval "$(services/test-postgres.sh start)" && export TEST_DATABASE_URL\n',
    );
    process.exit(1);
  }
}
