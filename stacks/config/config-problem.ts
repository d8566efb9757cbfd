// One problem of a stack's config, as every check reports it: the key, what was found, what is
// allowed and the command that fixes it. Its own module, so that the checks (placeholders.ts among
// them) and the phrasing in problems.ts can share it without importing each other.
export interface ConfigProblem {
  /** The config key with its path, e.g. `platform:database.replicas[0].region`. */
  key: string;
  found: string;
  allowed: string;
  fix: string;
  /** Another key whose problem this fix resolves too (a misspelt key's rename sets the real one). */
  alsoFixes?: string;
}
