/** The keys at which both shipped stack files hold example values (stacks/config/placeholders.ts). */
export const SHIPPED_EXAMPLE_KEYS = [
  "platform:digitalocean.team",
  "platform:domain.zone",
  "platform:domain.appHost",
  "platform:domain.assetsHost",
  "platform:registry.name",
  "platform:edge.accountId",
  "platform:edge.zoneId",
  "platform:aws.accountId",
  "platform:github.owner",
  "platform:monitoring.alertEmails[0]",
];
