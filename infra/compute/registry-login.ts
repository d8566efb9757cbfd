export interface RegistryLogin {
  server: string;
  username: string;
  password: string;
}

interface DockerConfig {
  auths?: Record<string, { auth?: string }>;
}

/**
 * The login inside a Docker `config.json` (what DigitalOcean hands out as registry credentials):
 * `auths.<server>.auth` is base64 of `username:password`.
 */
export function registryLoginFrom(dockerConfigJson: string, server: string): RegistryLogin {
  const config = JSON.parse(dockerConfigJson) as DockerConfig;
  const encoded = config.auths?.[server]?.auth;
  if (encoded === undefined) {
    const servers = Object.keys(config.auths ?? {}).join(", ") || "none";
    throw new Error(`the registry credentials hold no login for ${server} (they hold: ${servers})`);
  }
  const decoded = Buffer.from(encoded, "base64").toString("utf8");
  const separator = decoded.indexOf(":");
  if (separator <= 0)
    throw new Error(`the registry login for ${server} is not "username:password"`);
  return {
    server,
    username: decoded.slice(0, separator),
    password: decoded.slice(separator + 1),
  };
}
