// The stack's own settings as the program reads them (the platform's config schema, validated the
// same way), and the stack file's secrets provider, which decides what credential the backend
// needs: a passphrase, a KMS key, or Pulumi Cloud's.
import { readFileSync } from "node:fs";
import { load } from "js-yaml";
import { z } from "zod";
import {
  validateStackConfig,
  type PlatformConfig,
  type RawStackConfig,
} from "../../stacks/config/load.ts";
import { formatProblems } from "../../stacks/config/problems.ts";
import { CONFIG_NAMESPACE } from "../../stacks/config/schema.ts";
import { stackConfigFromYaml } from "../../stacks/config/stack-file.ts";
import { fakeSecret } from "../mock/run-stack.ts";

export interface StackSettings {
  config: PlatformConfig;
  /**
   * How the stack's `secure:` values are encrypted: `passphrase` (an `encryptionsalt` without a
   * `secretsprovider`, the CLI's passphrase provider), a provider URL (`awskms://…`), or
   * `service` (Pulumi Cloud's, the default when the stack file names neither).
   */
  secretsProvider: string;
}

const StackFileHeader = z.looseObject({
  secretsprovider: z.string().optional(),
  encryptionsalt: z.string().optional(),
});

function secretsProviderOf(text: string): string {
  const header = StackFileHeader.safeParse(load(text));
  if (!header.success) return "service";
  const { secretsprovider, encryptionsalt } = header.data;
  // The CLI reads `default` as no provider named (pulumi pkg/cmd/pulumi/stack/secrets.go).
  if (secretsprovider !== undefined && secretsprovider !== "default") return secretsprovider;
  return encryptionsalt === undefined ? "service" : "passphrase";
}

/** The settings, or the config problems exactly as `pnpm plan` prints them. */
export function readStackSettings(
  stack: string,
  stackFile: string,
): { ok: true; settings: StackSettings } | { ok: false; message: string } {
  const text = readFileSync(stackFile, "utf8");
  const file = stackConfigFromYaml(text, CONFIG_NAMESPACE, fakeSecret, stackFile);
  const prefix = `${CONFIG_NAMESPACE}:`;
  const values: Record<string, string> = {};
  const otherKeys: Record<string, string> = {};
  for (const [key, value] of Object.entries(file.values)) {
    if (key.startsWith(prefix)) values[key.slice(prefix.length)] = value;
    else otherKeys[key] = value;
  }
  const raw: RawStackConfig = {
    stack,
    values,
    otherKeys,
    secretKeys: new Set(
      file.secretKeys
        .filter((key) => key.startsWith(prefix))
        .map((key) => key.slice(prefix.length)),
    ),
    otherSecretKeys: new Set(file.secretKeys.filter((key) => !key.startsWith(prefix))),
  };
  const result = validateStackConfig(raw, { now: new Date(), restoredAt: undefined });
  if (!result.ok) return { ok: false, message: formatProblems(stack, result.problems) };
  return {
    ok: true,
    settings: { config: result.config, secretsProvider: secretsProviderOf(text) },
  };
}
