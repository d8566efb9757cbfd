// Checks across the stack files of the repository. A stack file can be right on its own and wrong
// beside another: staging and production in one Cloudflare zone, one DigitalOcean team or one
// registry, production in staging's AWS account, or a stack writing into a GitHub repository
// whose environments the bootstrap does not create. The program reads every stack file of the
// project (the engine hands it only its own stack's config) and refuses these before anything
// is registered, naming both files.
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { ENVIRONMENTS } from "./catalog.ts";
import { EXAMPLE_VALUES, exampleStandIn } from "./placeholders.ts";
import type { ConfigProblem } from "./config-problem.ts";
import { valueAt } from "./config-path.ts";
import { configValue, stackConfigFromYaml } from "./stack-file.ts";

/** Another stack file of the repository, as read from disk. */
export interface OtherStackFile {
  /** The file from the repository root, as a person finds it: `Pulumi.production.yaml`. */
  file: string;
  /** Its stack; `identity` is the bootstrap project's. */
  stack: string;
  /** Its values with their full keys (`platform:edge`), structured values as JSON text. */
  values: Readonly<Record<string, string>>;
}

/**
 * The bootstrap project's stack file and its GitHub group (bootstrap/config.ts,
 * `BOOTSTRAP_NAMESPACE`): it creates every stack's deploy environment and the rulesets.
 */
export const BOOTSTRAP_STACK_FILE = "bootstrap/Pulumi.identity.yaml";
const BOOTSTRAP_GITHUB = "platform-bootstrap:github";

const isEnvironment = (stack: string) => (ENVIRONMENTS as readonly string[]).includes(stack);

/** The stack file of `stack` from the repository root. */
export const stackFileName = (stack: string) => `Pulumi.${stack}.yaml`;

/**
 * The stack files beside `stack`'s in the repository at `root`: the other environments' and the
 * bootstrap's, those that exist. Secrets stay encrypted (none is compared). An unknown stack is
 * refused on its own and compared with nothing.
 */
export function readOtherStackFiles(root: string, stack: string): OtherStackFile[] {
  if (!isEnvironment(stack)) return [];
  const files = [
    ...ENVIRONMENTS.filter((other) => other !== stack).map((other) => ({
      stack: other,
      file: stackFileName(other),
      project: "platform",
    })),
    { stack: "identity", file: BOOTSTRAP_STACK_FILE, project: "platform-bootstrap" },
  ];
  return files.flatMap(({ stack: other, file, project }) => {
    const full = path.join(root, file);
    if (!existsSync(full)) return [];
    const text = readFileSync(full, "utf8");
    const { values } = stackConfigFromYaml(text, project, () => "(secret, not read)", full);
    return [{ stack: other, file, values }];
  });
}

/** A value two stacks must not share. */
interface SeparateValue {
  group: string;
  key: string;
  /** Whether stacks `a` and `b` must differ here. */
  between: (a: string, b: string) => boolean;
  /** Why, with where the README says so. */
  why: string;
}

const everyPair = () => true;
const withProduction = (a: string, b: string) => a === "production" || b === "production";

const ZONE_WHY =
  "a Cloudflare zone has one set of settings and one entry-point ruleset per phase, so two stacks in one zone overwrite each other's rules (README, Design decisions: One Cloudflare zone per environment)";

const SEPARATE_VALUES: readonly SeparateValue[] = [
  { group: "domain", key: "zone", between: everyPair, why: ZONE_WHY },
  { group: "edge", key: "zoneId", between: everyPair, why: ZONE_WHY },
  {
    group: "digitalocean",
    key: "team",
    between: everyPair,
    why: "each environment needs its own team: the container registry and its tier are one per team, and a team's token reaches all of it (README, Design decisions: One DigitalOcean account (team) per environment)",
  },
  {
    group: "registry",
    key: "name",
    between: everyPair,
    why: "registry names are unique across DigitalOcean: the second stack's registry cannot be created (README, Design decisions: One DigitalOcean account (team) per environment)",
  },
  {
    group: "aws",
    key: "accountId",
    between: withProduction,
    why: "production lives in an AWS account of its own, which staging's credentials and CI roles cannot reach (README, Adopting: Before the first pulumi up, one AWS account per environment, at least one for production alone)",
  },
];

/** `value.key` of a JSON group, as text; undefined when absent or not a scalar. */
function scalarIn(groupText: string | undefined, key: string): string | undefined {
  const value = groupText === undefined ? undefined : valueAt(configValue(groupText), [key]);
  return typeof value === "string" || typeof value === "number" ? String(value) : undefined;
}

/** How two stacks' values compare: DNS names, team names and GitHub names ignore case. */
function comparable(group: string, value: string): string {
  const trimmed = value.trim().toLowerCase();
  return group === "aws" ? trimmed.padStart(12, "0") : trimmed.replace(/\.$/, "");
}

/** What belongs at `group.key` (the example table's words): the other stack's value is what must not. */
function standIn(group: string, key: string): string {
  const entry = EXAMPLE_VALUES.find((candidate) => candidate.path === `${group}.${key}`);
  return `<${entry?.realValue ?? `this stack's own ${key}`}>`;
}

function sharedValueProblems(
  stack: string,
  values: Readonly<Record<string, string>>,
  others: readonly OtherStackFile[],
): ConfigProblem[] {
  return SEPARATE_VALUES.flatMap(({ group, key, between, why }) => {
    const own = scalarIn(values[group], key);
    if (own === undefined) return [];
    return others
      .filter((other) => isEnvironment(other.stack) && between(stack, other.stack))
      .filter((other) => {
        const theirs = scalarIn(other.values[`platform:${group}`], key);
        return theirs !== undefined && comparable(group, theirs) === comparable(group, own);
      })
      .map((other) => ({
        key: `platform:${group}.${key}`,
        found: `${JSON.stringify(own)} in ${stackFileName(stack)}, and the same in ${other.file}`,
        allowed: `a value of stack "${stack}" alone: ${why}`,
        fix: `pulumi config set --path '${group}.${key}' '${standIn(group, key)}'   (in ${stackFileName(stack)}; or change ${other.file})`,
      }));
  });
}

/**
 * The stack writes its values into the environment `<stack>` of `github.owner/repository`; the
 * bootstrap creates that environment (with its reviewers and deployment policies) and the
 * rulesets, in its own `github.owner/repository`. In another repository nobody would own the
 * environment: the stack's first `up` fails, or writes into an environment nobody protects.
 */
function repositoryProblems(
  stack: string,
  values: Readonly<Record<string, string>>,
  others: readonly OtherStackFile[],
): ConfigProblem[] {
  const bootstrap = others.find((other) => other.file === BOOTSTRAP_STACK_FILE);
  const owner = scalarIn(values.github, "owner");
  const repository = scalarIn(values.github, "repository");
  const theirOwner = scalarIn(bootstrap?.values[BOOTSTRAP_GITHUB], "owner");
  const theirRepository = scalarIn(bootstrap?.values[BOOTSTRAP_GITHUB], "repository");
  if (
    owner === undefined ||
    repository === undefined ||
    theirOwner === undefined ||
    theirRepository === undefined
  ) {
    return [];
  }
  const ours = `${owner}/${repository}`;
  const theirs = `${theirOwner}/${theirRepository}`;
  if (ours.toLowerCase() === theirs.toLowerCase()) return [];
  const ownerValue = exampleStandIn("github.owner", theirOwner) ?? theirOwner;
  return [
    {
      key: "platform:github",
      found: `${ours} in ${stackFileName(stack)}, but ${BOOTSTRAP_STACK_FILE} creates the deploy environments in ${theirs}: nothing would create or protect the environment "${stack}" this stack writes into`,
      allowed: `the repository of ${BOOTSTRAP_STACK_FILE} (${BOOTSTRAP_GITHUB}): the bootstrap owns each stack's environment and the rulesets, the stack only writes its values into its environment`,
      fix: `pulumi config set --path 'github.owner' '${ownerValue}' && pulumi config set --path 'github.repository' '${theirRepository}'   (or change ${BOOTSTRAP_GITHUB} in ${BOOTSTRAP_STACK_FILE})`,
    },
  ];
}

/** What the stack files beside this stack's forbid it, each problem naming both files. */
export function crossStackProblems(
  stack: string,
  /** This stack's values, keys without the namespace, structured values as JSON text. */
  values: Readonly<Record<string, string>>,
  others: readonly OtherStackFile[],
): ConfigProblem[] {
  if (!isEnvironment(stack)) return [];
  return [
    ...sharedValueProblems(stack, values, others),
    ...repositoryProblems(stack, values, others),
  ];
}
