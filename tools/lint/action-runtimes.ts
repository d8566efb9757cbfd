// The runtime of every action the workflows pin, as its action.yml declares it (`runs.using`) at
// exactly that commit. GitHub's runners run JavaScript actions on the Node.js their action.yml
// names and dropped node20; an action that still declares it is forced onto node24 with a warning
// today and refused once the override goes (GitHub changelog, "Deprecation of Node 20 on GitHub
// Actions runners", 2025-09-19). Each entry was read from the action's repository at the pinned
// commit (the release tag resolving to that SHA, `git show <sha>:action.yml`); add one the same
// way when a workflow pins a new action or Dependabot moves a pin.

export type ActionRuntime = "node24" | "node20" | "node16" | "composite" | "docker";

export interface PinnedAction {
  release: string;
  runtime: ActionRuntime;
}

/** `owner/repo@<sha>` (as in `uses:`, a path inside the repository allowed) → what it is. */
export const ACTION_RUNTIMES: Readonly<Record<string, PinnedAction>> = {
  "actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1": {
    release: "v7.0.1",
    runtime: "node24",
  },
  "actions/setup-node@820762786026740c76f36085b0efc47a31fe5020": {
    release: "v7.0.0",
    runtime: "node24",
  },
  "aws-actions/configure-aws-credentials@e6de054238d6b7531b4efff3b6587d9aade6a06c": {
    release: "v6.2.3",
    runtime: "node24",
  },
  "pulumi/actions@8e5e406f4007fca908480587cb9893c07090f58d": {
    release: "v7.0.0",
    runtime: "node24",
  },
  "actions/upload-artifact@bbbca2ddaa5d8feaa63e36b76fdaad77386f024f": {
    release: "v7.0.0",
    runtime: "node24",
  },
  "actions/download-artifact@3e5f45b2cfb9172054b4087a40e8e0b5a5461e7c": {
    release: "v8.0.1",
    runtime: "node24",
  },
  "docker/setup-buildx-action@37fe631027851001ddb9b187196cc803df7f5f0e": {
    release: "v4.3.0",
    runtime: "node24",
  },
  "docker/build-push-action@53b7df96c91f9c12dcc8a07bcb9ccacbed38856a": {
    release: "v7.3.0",
    runtime: "node24",
  },
  "anchore/sbom-action@e22c389904149dbc22b58101806040fa8d37a610": {
    release: "v0.24.0",
    runtime: "node24",
  },
  "anchore/scan-action@e1165082ffb1fe366ebaf02d8526e7c4989ea9d2": {
    release: "v7.4.0",
    runtime: "node24",
  },
  "actions/attest@1e69f48acb82d1966a394da916b4c1698aa569d6": {
    release: "v4.2.2",
    runtime: "node24",
  },
  // Kept to show what the lint refuses: this release declares node20.
  "pnpm/action-setup@fe02b34f77f8bc703788d5817da081398fad5dd2": {
    release: "v4.0.0",
    runtime: "node20",
  },
};

/** Runtimes GitHub's hosted runners still run as declared. */
export const SUPPORTED_RUNTIMES: readonly ActionRuntime[] = ["node24", "composite", "docker"];
