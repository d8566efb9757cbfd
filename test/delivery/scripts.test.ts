// The scripts the workflows run, against stand-ins for `pulumi` and `gh` (and a local HTTP server
// for the smoke check): what each does with every outcome it can meet.
import { execFile } from "node:child_process";
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const scripts = path.resolve(import.meta.dirname, "../../.github/scripts");
const run = promisify(execFile);

interface Outcome {
  status: number;
  stdout: string;
  stderr: string;
}

/** Runs a script with a clean environment plus `env`, and a bin directory of stand-ins first. */
async function script(name: string, args: string[], env: Record<string, string>, bin?: string) {
  const PATH = [bin, process.env.PATH].filter((part) => part !== undefined).join(":");
  try {
    const { stdout, stderr } = await run("bash", [path.join(scripts, name), ...args], {
      env: { PATH, HOME: tmpdir(), ...env },
    });
    return { status: 0, stdout, stderr } satisfies Outcome;
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { status: failed.code, stdout: failed.stdout, stderr: failed.stderr } satisfies Outcome;
  }
}

/** A directory holding executables named after the keys. */
function standIns(programs: Record<string, string>): string {
  const dir = mkdtempSync(path.join(tmpdir(), "stand-ins-"));
  for (const [name, body] of Object.entries(programs)) {
    writeFileSync(path.join(dir, name), `#!/usr/bin/env bash\n${body}\n`);
    chmodSync(path.join(dir, name), 0o755);
  }
  return dir;
}

function githubFiles() {
  const dir = mkdtempSync(path.join(tmpdir(), "github-files-"));
  const files = {
    GITHUB_OUTPUT: path.join(dir, "output"),
    GITHUB_STEP_SUMMARY: path.join(dir, "summary"),
  };
  writeFileSync(files.GITHUB_OUTPUT, "");
  writeFileSync(files.GITHUB_STEP_SUMMARY, "");
  return files;
}

describe("drift-preview.sh", () => {
  // A pulumi that records its arguments and whether a backend URL reached it.
  const pulumi = (status: number) =>
    standIns({
      pulumi: `echo "args: $*"; echo "backend: \${PULUMI_BACKEND_URL-unset}"; echo "~ 1 to update"; exit ${String(status)}`,
    });

  it("runs a refreshed preview that expects no change, and reports no drift on exit 0", async () => {
    const files = githubFiles();
    const outcome = await script(
      "drift-preview.sh",
      ["staging"],
      { ...files, PULUMI_BACKEND_URL: "" },
      pulumi(0),
    );
    expect(outcome.status).toBe(0);
    expect(outcome.stdout).toContain(
      "args: preview --stack staging --refresh --expect-no-changes --policy-pack policy --diff --non-interactive --color never",
    );
    // An empty repository variable means Pulumi Cloud: the variable is unset, not empty.
    expect(outcome.stdout).toContain("backend: unset");
    expect(readFileSync(files.GITHUB_OUTPUT, "utf8")).toBe("drift=false\n");
    expect(readFileSync(files.GITHUB_STEP_SUMMARY, "utf8")).toBe("## staging\nNo drift.\n");
  });

  it("reports drift on exit 7, with the preview in the run's summary", async () => {
    const files = githubFiles();
    const outcome = await script(
      "drift-preview.sh",
      ["production"],
      { ...files, PULUMI_BACKEND_URL: "s3://state?region=eu-central-1" },
      pulumi(7),
    );
    expect(outcome.status).toBe(0);
    expect(outcome.stdout).toContain("backend: s3://state?region=eu-central-1");
    expect(readFileSync(files.GITHUB_OUTPUT, "utf8")).toBe("drift=true\n");
    const summary = readFileSync(files.GITHUB_STEP_SUMMARY, "utf8");
    expect(summary).toMatch(/^## production\nThe real resources differ .*\n\n```\nargs: /);
    expect(summary).toContain("~ 1 to update\n```\n");
  });

  it("fails, and never reports drift, when the preview itself fails", async () => {
    const files = githubFiles();
    const outcome = await script("drift-preview.sh", ["staging"], files, pulumi(3));
    expect(outcome.status).toBe(3);
    expect(outcome.stdout).toContain(
      "::error::The refreshed preview of staging failed (exit 3): the check did not run, which says nothing about drift.",
    );
    expect(readFileSync(files.GITHUB_OUTPUT, "utf8")).toBe("");
  });
});

describe("drift-issue.sh", () => {
  // A gh that logs every call and answers `issue list` with the open issue of each stack.
  function gh(open: { staging?: number; production?: number }) {
    const log = path.join(mkdtempSync(path.join(tmpdir(), "gh-")), "calls");
    writeFileSync(log, "");
    const bin = standIns({
      gh: [
        `echo "$*" >> ${JSON.stringify(log)}`,
        'if [[ "$1 $2" == "issue list" ]]; then',
        `  [[ "$*" == *"Drift detected in staging"* ]] && echo "${String(open.staging ?? "")}"`,
        `  [[ "$*" == *"Drift detected in production"* ]] && echo "${String(open.production ?? "")}"`,
        "fi",
        "exit 0",
      ].join("\n"),
    });
    return { bin, calls: () => readFileSync(log, "utf8").trim().split("\n") };
  }
  const RUN_URL = "https://github.com/acme/platform/actions/runs/1";

  it("opens an issue on a first drift and comments on the open one after", async () => {
    const { bin, calls } = gh({ production: 9 });
    const outcome = await script(
      "drift-issue.sh",
      [],
      { RUN_URL, DRIFT_STAGING: "true", DRIFT_PRODUCTION: "true" },
      bin,
    );
    expect(outcome.status).toBe(0);
    expect(outcome.stdout).toBe(
      "staging: drift, issue opened\nproduction: drift, commented on #9\n",
    );
    const log = calls();
    expect(log[0]).toMatch(/^label create drift --color D93F0B /);
    expect(log[1]).toBe(
      'issue list --state open --label drift --limit 100 --json number,title --jq map(select(.title == "Drift detected in staging")) | first | .number // empty',
    );
    expect(log[2]).toMatch(
      /^issue create --title Drift detected in staging --label drift --body A refreshed preview of `staging` .* The diff is in the summary of https:\/\/github\.com\/acme\/platform\/actions\/runs\/1\./,
    );
    // The body's second paragraph, then production's lookup and comment.
    expect(log.slice(-3)).toEqual([
      expect.stringMatching(/^Either undo the change made outside Pulumi/),
      expect.stringMatching(/^issue list .*Drift detected in production/),
      `issue comment 9 --body Still drifting: ${RUN_URL}`,
    ]);
  });

  it("closes the open issue once a stack is clean, and leaves a failed check alone", async () => {
    const { bin, calls } = gh({ staging: 4, production: 5 });
    const outcome = await script(
      "drift-issue.sh",
      [],
      { RUN_URL, DRIFT_STAGING: "false", DRIFT_PRODUCTION: "" },
      bin,
    );
    expect(outcome.stdout).toBe(
      `staging: no drift, closed #4\nproduction: the check did not finish; nothing reported (see ${RUN_URL})\n`,
    );
    expect(calls().filter((call) => !call.startsWith("issue list"))).toEqual([
      expect.stringMatching(/^label create /),
      `issue close 4 --comment No drift any more: ${RUN_URL}`,
    ]);
  });

  it("does nothing for a clean stack without an issue", async () => {
    const { bin, calls } = gh({});
    const outcome = await script(
      "drift-issue.sh",
      [],
      { RUN_URL, DRIFT_STAGING: "false", DRIFT_PRODUCTION: "false" },
      bin,
    );
    expect(outcome.stdout).toBe("staging: no drift\nproduction: no drift\n");
    expect(calls().filter((call) => /^issue (create|comment|close)/.test(call))).toEqual([]);
  });
});

describe("cost-comment.sh", () => {
  const marker = "<!-- platform: monthly cost estimate -->";
  // A gh that logs every call (and the body file it was given) and answers the listing with the
  // ids its --jq filter selects: the comments whose body starts with the marker.
  function gh(comments: { id: number; body: string }[]) {
    const log = path.join(mkdtempSync(path.join(tmpdir(), "gh-")), "calls");
    writeFileSync(log, "");
    const ids = comments
      .filter((comment) => comment.body.startsWith(marker))
      .map((comment) => String(comment.id))
      .join("\n");
    const bin = standIns({
      gh: [
        `echo "$*" >> ${JSON.stringify(log)}`,
        'for arg in "$@"; do [[ "$arg" == body=@* ]] && cat "${arg#body=@}" >> ' +
          JSON.stringify(log) +
          "; done",
        `[[ "$*" == *"--paginate"* ]] && printf '%s\\n' ${JSON.stringify(ids)}`,
        "exit 0",
      ].join("\n"),
    });
    return { bin, calls: () => readFileSync(log, "utf8").trim().split("\n") };
  }
  const markdown = () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), "cost-")), "cost.md");
    writeFileSync(file, "### Monthly cost of `staging`: $44.61 → $56.61 (+$12.00)\n");
    return file;
  };
  const env = { GH_REPO: "acme/platform", PR_NUMBER: "12" };

  it("comments once, with its marker, the heading and the estimates", async () => {
    const { bin, calls } = gh([{ id: 1, body: "<!-- pulumi preview -->" }]);
    const outcome = await script("cost-comment.sh", [], { ...env, BODY_FILE: markdown() }, bin);
    expect(outcome.stdout).toBe("Commented the cost estimate on #12\n");
    expect(calls()).toEqual([
      `api --paginate repos/acme/platform/issues/12/comments --jq .[] | select(.body | startswith("${marker}")) | .id`,
      expect.stringMatching(
        /^api --method POST repos\/acme\/platform\/issues\/12\/comments -F body=@/,
      ),
      marker,
      "## Monthly cost estimate",
      "",
      "### Monthly cost of `staging`: $44.61 → $56.61 (+$12.00)",
    ]);
  });

  it("edits its own comment on the next run, and no other", async () => {
    const { bin, calls } = gh([
      { id: 7, body: "<!-- pulumi preview -->" },
      { id: 9, body: `${marker}\n## Monthly cost estimate\nold` },
    ]);
    const outcome = await script("cost-comment.sh", [], { ...env, BODY_FILE: markdown() }, bin);
    expect(outcome.stdout).toBe("Updated the cost comment 9 on #12\n");
    expect(calls()[1]).toMatch(/^api --method PATCH repos\/acme\/platform\/issues\/comments\/9 /);
  });

  it("stops at once without its inputs", async () => {
    const outcome = await script("cost-comment.sh", [], env, gh([]).bin);
    expect(outcome.status).not.toBe(0);
    expect(outcome.stderr).toContain("BODY_FILE is not set");
  });
});

describe("check-deploy-inputs.sh", () => {
  const complete = {
    ENVIRONMENT: "production",
    PULUMI_STACK: "acme/platform/production",
    AWS_ROLE_ARN: "arn:aws:iam::123456789012:role/platform-production-deploy",
    AWS_REGION: "eu-central-1",
    APP_URL: "https://app.example.com",
  };

  it("admits the environment's own stack, fully qualified or not", async () => {
    for (const PULUMI_STACK of ["production", "acme/platform/production"]) {
      const outcome = await script("check-deploy-inputs.sh", [], { ...complete, PULUMI_STACK });
      expect(outcome.status).toBe(0);
      expect(outcome.stdout).toBe(`Deploying stack ${PULUMI_STACK} to https://app.example.com\n`);
    }
  });

  it.each([
    [
      { PULUMI_STACK: "", APP_URL: "" },
      'The "production" environment has no variable PULUMI_STACK APP_URL',
    ],
    [{ PULUMI_STACK: "acme/platform/staging" }, "it must name the production stack"],
    [{ APP_URL: "http://app.example.com" }, "expected an https:// URL"],
  ])("stops before anything runs: %j", async (change, message) => {
    const outcome = await script("check-deploy-inputs.sh", [], { ...complete, ...change });
    expect(outcome.status).toBe(1);
    expect(outcome.stdout).toContain(message);
  });
});

describe("check-preview-inputs.sh", () => {
  const complete = {
    STACK: "staging",
    PULUMI_STACK: "staging",
    AWS_ROLE_ARN: "arn:aws:iam::123456789012:role/platform-staging-preview",
    AWS_REGION: "eu-central-1",
  };

  it("admits the read-only environment of its own stack, fully qualified or not", async () => {
    for (const PULUMI_STACK of ["staging", "acme/platform/staging"]) {
      const outcome = await script("check-preview-inputs.sh", [], { ...complete, PULUMI_STACK });
      expect(outcome.status).toBe(0);
      expect(outcome.stdout).toBe(
        `Stack ${PULUMI_STACK}, read-only role of the "staging-preview" environment\n`,
      );
    }
  });

  it.each([
    [
      { AWS_ROLE_ARN: "", AWS_REGION: "" },
      'The "staging-preview" environment has no variable AWS_ROLE_ARN AWS_REGION. The bootstrap project writes them: an administrator applies it (README: Bootstrap).',
    ],
    [
      { PULUMI_STACK: "production" },
      'PULUMI_STACK is "production" in the "staging-preview" environment: it must name the staging stack.',
    ],
    [
      { ENVIRONMENT: "staging-drift", AWS_ROLE_ARN: "" },
      'The "staging-drift" environment has no variable AWS_ROLE_ARN. The bootstrap project writes them: an administrator applies it (README: Bootstrap).',
    ],
  ])("stops before anything is assumed: %j", async (change, message) => {
    const outcome = await script("check-preview-inputs.sh", [], { ...complete, ...change });
    expect(outcome.status).toBe(1);
    expect(outcome.stdout).toContain(`::error::${message}`);
  });

  it("needs the stack", async () => {
    const outcome = await script("check-preview-inputs.sh", [], { ...complete, STACK: "" });
    expect(outcome.status).toBe(1);
    expect(outcome.stderr).toContain("STACK is not set");
  });
});

describe("check-release-commit.sh", () => {
  /** A clone whose origin's main holds one commit, and an unmerged commit on a branch. */
  async function clone() {
    const dir = mkdtempSync(path.join(tmpdir(), "release-"));
    const git = (cwd: string, ...args: string[]) =>
      run("git", ["-c", "user.email=ci@example.com", "-c", "user.name=ci", ...args], { cwd });
    const origin = path.join(dir, "origin");
    await run("git", ["init", "--quiet", "--initial-branch", "main", origin]);
    await git(origin, "commit", "--quiet", "--allow-empty", "-m", "merged");
    const work = path.join(dir, "work");
    await run("git", ["clone", "--quiet", origin, work]);
    await git(work, "checkout", "--quiet", "-b", "unreviewed");
    await git(work, "commit", "--quiet", "--allow-empty", "-m", "not merged");
    const sha = async (ref: string) => (await git(work, "rev-parse", ref)).stdout.trim();
    return { work, merged: await sha("origin/main"), unmerged: await sha("HEAD") };
  }

  const check = async (cwd: string, env: Record<string, string>): Promise<Outcome> => {
    try {
      const { stdout, stderr } = await run(
        "bash",
        [path.join(scripts, "check-release-commit.sh")],
        { cwd, env: { PATH: process.env.PATH ?? "", HOME: tmpdir(), ...env } },
      );
      return { status: 0, stdout, stderr };
    } catch (error) {
      const failed = error as { code: number; stdout: string; stderr: string };
      return { status: failed.code, stdout: failed.stdout, stderr: failed.stderr };
    }
  };

  it("lets a commit of the default branch deploy, and stops one that was never merged", async () => {
    const { work, merged, unmerged } = await clone();
    const passed = await check(work, { RELEASE_SHA: merged, DEFAULT_BRANCH: "main" });
    expect(passed).toMatchObject({ status: 0, stdout: `Release commit ${merged} is on main\n` });
    const stopped = await check(work, { RELEASE_SHA: unmerged, DEFAULT_BRANCH: "main" });
    expect(stopped.status).toBe(1);
    expect(stopped.stdout).toBe(
      `::error::The release commit ${unmerged} is not on main: only a merged commit deploys production. Tag a commit of main.\n`,
    );
  });

  it("says what to fix when the checkout lacks the default branch's history", async () => {
    const { work, merged } = await clone();
    const outcome = await check(work, { RELEASE_SHA: merged, DEFAULT_BRANCH: "trunk" });
    expect(outcome.status).toBe(1);
    expect(outcome.stdout).toBe(
      "::error::The checkout has no refs/remotes/origin/trunk to look the release commit up in: check out with fetch-depth: 0.\n",
    );
  });
});

describe("smoke-check.sh", () => {
  // Each case gets `app`, the host of a server that would answer every request with 200.
  it.each<[string, (app: string) => Record<string, string>, number, string]>([
    ["no app at all", () => ({}), 2, "Neither APP_HOST nor APP_URL is set"],
    // From the stack's outputs the origins are always named: none means they were misread.
    [
      "the app from the outputs, but no origin",
      (app) => ({ APP_HOST: app }),
      1,
      "ORIGIN_HOSTS is empty: the stack output platform.apps[].originHost",
    ],
    [
      "an app without an origin host",
      (app) => ({ APP_HOST: app, ORIGIN_HOSTS: ",ams.invalid", ORIGIN_LOCK_SECRET: "s" }),
      1,
      "ORIGIN_HOSTS (,ams.invalid) has an empty entry",
    ],
    [
      "origins without the lock's secret",
      (app) => ({ APP_URL: `http://${app}`, ORIGIN_HOSTS: "fra.invalid" }),
      1,
      "ORIGIN_LOCK_SECRET is not set, so the origins (fra.invalid) cannot be reached past the lock",
    ],
  ])("refuses to pass with %s, before any request", async (_case, envFor, status, message) => {
    let requests = 0;
    const server = createServer((_request, response) => {
      requests += 1;
      response.end();
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    try {
      const outcome = await script("smoke-check.sh", [], {
        ...envFor(`127.0.0.1:${String(port)}`),
        SMOKE_SCHEME: "http",
        SMOKE_RETRY_DELAY_SECONDS: "0",
      });
      expect(outcome.status).toBe(status);
      expect(`${outcome.stdout}${outcome.stderr}`).toContain(message);
      expect(outcome.stdout).not.toContain("Smoke check passed.");
      expect(requests).toBe(0);
    } finally {
      server.close();
    }
  });

  it("passes once the public URL answers /healthz, retrying while it does not", async () => {
    let requests = 0;
    const server = createServer((request, response) => {
      requests += 1;
      // The first request meets a rollout in progress.
      response.statusCode = request.url === "/healthz" && requests > 1 ? 200 : 503;
      response.end();
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    try {
      const outcome = await script("smoke-check.sh", [], {
        APP_URL: `http://127.0.0.1:${String(port)}/`,
        SMOKE_RETRY_DELAY_SECONDS: "0",
      });
      expect(outcome.stdout).toMatch(
        /^200 in .*: http:\/\/127\.0\.0\.1:\d+\/healthz\nNo ORIGIN_HOSTS given: only the public URL was checked\.\nSmoke check passed\.\n$/,
      );
      expect(requests).toBe(2);
    } finally {
      server.close();
    }
  });

  it("takes the hosts the run just made, and sends each origin the lock", async () => {
    const seen: string[] = [];
    const server = createServer((request, response) => {
      const locked = request.headers["x-origin-lock"] === "current-secret";
      seen.push(`${request.headers.host ?? ""}${request.url ?? ""} ${locked ? "locked" : "open"}`);
      response.statusCode = request.url === "/healthz" || locked ? 200 : 403;
      response.end();
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    const host = (name: string) => `${name}.localhost:${String(port)}`;
    try {
      const outcome = await script("smoke-check.sh", [], {
        // What deploy.yml reads from the step output `platform` of the run just made.
        APP_HOST: `127.0.0.1:${String(port)}`,
        ORIGIN_HOSTS: `${host("fra")},${host("ams")}`,
        // What the environment held when the job started: stale, and not used.
        APP_URL: "http://stale.invalid",
        ORIGIN_LOCK_SECRET: "current-secret",
        SMOKE_SCHEME: "http",
        SMOKE_RETRY_DELAY_SECONDS: "0",
      });
      expect(outcome.stdout).toContain("Smoke check passed.");
      expect(seen).toEqual([
        `127.0.0.1:${String(port)}/healthz open`,
        `${host("fra")}/readyz locked`,
        `${host("ams")}/readyz locked`,
      ]);
    } finally {
      server.close();
    }
  });
});

describe("image-checksums.sh", () => {
  const digest = (fill: string) => `sha256:${fill.repeat(64)}`;
  const images = {
    web: {
      repository: "registry.digitalocean.com/acme/web",
      digest: digest("a"),
      repoDigest: `registry.digitalocean.com/acme/web@${digest("a")}`,
    },
    api: {
      repository: "registry.digitalocean.com/acme/api",
      digest: digest("b"),
      repoDigest: `registry.digitalocean.com/acme/api@${digest("b")}`,
    },
  };
  const checksums = () => path.join(mkdtempSync(path.join(tmpdir(), "attest-")), "images.sha256");

  it("writes one sha256sum line per deployed image, the subjects actions/attest signs", async () => {
    const CHECKSUMS = checksums();
    const outcome = await script("image-checksums.sh", [], {
      IMAGES: JSON.stringify(images),
      CHECKSUMS,
    });
    expect(outcome.status).toBe(0);
    expect(readFileSync(CHECKSUMS, "utf8")).toBe(
      `${"a".repeat(64)}  registry.digitalocean.com/acme/web\n` +
        `${"b".repeat(64)}  registry.digitalocean.com/acme/api\n`,
    );
    expect(outcome.stdout).toContain("Attesting 2 image(s):");
  });

  it.each([
    [
      "an image by tag",
      { web: { ...images.web, repoDigest: "registry.digitalocean.com/acme/web:latest" } },
      "is not a map of images by digest",
    ],
    [
      "one image by tag among others by digest",
      { ...images, worker: { repoDigest: "registry.digitalocean.com/acme/worker:1" } },
      'image worker: "registry.digitalocean.com/acme/worker:1" is not <repository>@sha256',
    ],
    ["no image", {}, "names no image"],
    ["no JSON at all", "not json", "is not a map of images by digest"],
  ])("stops, attesting nothing, on %s", async (_name, value, message) => {
    const CHECKSUMS = checksums();
    const IMAGES = typeof value === "string" ? value : JSON.stringify(value);
    const outcome = await script("image-checksums.sh", [], { IMAGES, CHECKSUMS });
    expect(outcome.status).toBe(1);
    expect(outcome.stdout + outcome.stderr).toContain(message);
    expect(() => readFileSync(CHECKSUMS)).toThrow();
  });
});
