// How a service connects to the managed database: with the server's certificate verified against
// the cluster's CA when one is given (DATABASE_CA_CERT), else as the URL says. No dependency: the
// result is the part of a `pg` pool's config that decides the connection.

export interface DatabaseConnection {
  connectionString: string;
  ssl?: { ca: string; rejectUnauthorized: true };
}

/** The TLS parameters of a URL that pg's parser would turn into an `ssl` object of its own. */
const URL_TLS_PARAMETERS = ["sslmode", "sslcert", "sslkey", "sslrootcert", "ssl"];

export function databaseConnection(url: string, caCert: string | undefined): DatabaseConnection {
  if (caCert === undefined) return { connectionString: url };
  // pg's parser turns `sslmode` into an `ssl` object that would replace this one.
  const parsed = new URL(url);
  for (const key of URL_TLS_PARAMETERS) parsed.searchParams.delete(key);
  return { connectionString: parsed.toString(), ssl: { ca: caCert, rejectUnauthorized: true } };
}
