export interface PostgresUrlParts {
  user: string;
  password: string;
  host: string;
  port: number;
  database: string;
}

/**
 * A libpq connection URL that requires TLS. Every part is percent-encoded, so a password with
 * `@`, `/` or `:` cannot change where the URL points.
 */
export function postgresUrl({ user, password, host, port, database }: PostgresUrlParts): string {
  const url = new URL("postgresql://placeholder");
  url.username = encodeURIComponent(user);
  url.password = encodeURIComponent(password);
  url.hostname = host;
  url.port = String(port);
  url.pathname = `/${encodeURIComponent(database)}`;
  url.searchParams.set("sslmode", "require");
  return url.toString();
}
