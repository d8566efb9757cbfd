// Provider settings that hold credentials. Set without `--secret`, such a value sits in plain
// text in Pulumi.<stack>.yaml (and so in git) and in the state; the config refuses it.
//
// Each provider SDK marks its secret settings itself: its generated `provider.js` wraps exactly
// those inputs in `pulumi.secret(...)` and lists them in `additionalSecretOutputs`
// (node_modules/@pulumi/<provider>/provider.js). test/config/provider-credentials.test.ts reads
// every installed SDK's list and fails when one names a key missing here, so an SDK upgrade that
// adds a credential adds it to this list. A few credentials the SDKs do not mark are added by hand.

/** A credential setting, and the leaf a structured one keeps its secret in. */
export interface ProviderCredential {
  /** The full config key, `<provider>:<setting>`. */
  key: string;
  /** For a structured setting, the `--path` of its secret leaf. */
  secretPath?: string;
}

export const PROVIDER_CREDENTIALS: readonly ProviderCredential[] = [
  // Marked secret by the SDKs (provider.js, pulumi.secret).
  { key: "aws:accessKey" },
  { key: "aws:secretKey" },
  { key: "aws:token" },
  { key: "cloudflare:apiKey" },
  { key: "cloudflare:apiToken" },
  { key: "cloudflare:apiUserServiceKey" },
  { key: "datadog:apiKey" },
  { key: "datadog:appKey" },
  { key: "datadog:awsAccessKeyId" },
  { key: "datadog:awsSecretAccessKey" },
  { key: "datadog:awsSessionToken" },
  { key: "datadog:bearerToken" },
  { key: "digitalocean:token" },
  { key: "github:token" },
  // An account id is no credential, but the SDK treats it as a secret; plain text would be the
  // only copy of it outside a secret.
  { key: "newrelic:accountId" },
  { key: "newrelic:adminApiKey" },
  { key: "newrelic:apiKey" },
  { key: "newrelic:insightsInsertKey" },
  // Credentials the SDKs do not mark: the Spaces key pair (S3-style access key and secret), the
  // Docker client's private key and registry passwords, and a GitHub App's private key.
  { key: "digitalocean:spacesAccessId" },
  { key: "digitalocean:spacesSecretKey" },
  { key: "docker:keyMaterial" },
  { key: "docker:registryAuth", secretPath: "docker:registryAuth[0].password" },
  { key: "github:appAuth", secretPath: "github:appAuth.pemFile" },
];

const BY_KEY = new Map(PROVIDER_CREDENTIALS.map((credential) => [credential.key, credential]));

/** The credential a full config key names, if it names one. */
export function providerCredential(fullKey: string): ProviderCredential | undefined {
  return BY_KEY.get(fullKey);
}
