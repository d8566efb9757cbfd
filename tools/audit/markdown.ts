// The report as Markdown: one section per question an auditor asks, tables where rows compare.
import { formatUsd } from "../../policy/cost/estimate.ts";
import type { CostSection } from "./cost.ts";
import type { BucketFacts, DataSection } from "./data.ts";
import type { MonitoringSection, PipelineEnvironment, PipelineSection } from "./operations.ts";
import type { PolicyRow } from "./policies.ts";
import type { AuditReport } from "./report.ts";
import type { SecretDestination } from "./secrets.ts";

/** A table cell: pipes escaped, line breaks flattened. */
const cell = (value: string) => value.replaceAll("|", "\\|").replaceAll("\n", " ");
const code = (value: string) => `\`${value.replaceAll("`", "'")}\``;
/** Yes, no, or a dash where the setting does not apply (no reviewers, nothing to review). */
const yesNo = (value: boolean | null) => (value === null ? "—" : value ? "yes" : "no");
const none = (items: readonly string[], shown: (item: string) => string = code) =>
  items.length === 0 ? "none" : items.map(shown).join(", ");

function table(head: readonly string[], rows: readonly (readonly string[])[]): string[] {
  return [
    `| ${head.join(" | ")} |`,
    `| ${head.map(() => "---").join(" | ")} |`,
    ...rows.map((row) => `| ${row.map(cell).join(" | ")} |`),
  ];
}

const countsText = (counts: Record<string, number>) =>
  Object.entries(counts)
    .map(([name, count]) => `${name} ${count}`)
    .join(", ");

function header(report: AuditReport): string[] {
  const { source } = report;
  const commit =
    report.commit === null
      ? "unknown (not a git work tree)"
      : `${code(report.commit)}${report.uncommittedChanges === true ? " with uncommitted changes in the work tree" : ""}`;
  const facts =
    source.facts === "offline plan"
      ? "the offline plan: simulated by the mock runtime, no cloud contacted"
      : `the deployed stack's outputs (${source.outputsFile === "-" ? "stdin" : code(source.outputsFile ?? "")})`;
  const lines = [
    `# Audit report: stack ${code(report.stack)}`,
    "",
    ...table(
      ["", ""],
      [
        ["Stack", code(report.stack)],
        ["Commit", commit],
        ["Facts (ids, endpoints, digests, ranges, trusted sources)", facts],
        [
          "Declarations (inventory, policy results, protection, secrets, settings)",
          "the offline plan of this commit",
        ],
        ["Generated", report.generatedAt],
      ],
    ),
    "",
    "Secret values never appear here: secrets are named, with where each goes, and nothing more.",
  ];
  if (source.facts === "stack outputs") {
    lines.push(
      "Where the plan and the deployment could differ (the stack deployed from another commit, or",
      "changed outside Pulumi), run `pulumi preview --refresh --expect-no-changes` on the same commit.",
    );
  }
  if (report.missingOutputs.length > 0) {
    lines.push(
      "",
      `> The outputs lack ${none(report.missingOutputs)}: the deployment predates them, so the parts that read them are empty.`,
    );
  }
  const { deployment } = report;
  lines.push("", "## Deployment", "");
  if (deployment.hostnames !== null) {
    lines.push(
      `Public hostnames: ${code(deployment.hostnames.app)}, ${code(deployment.hostnames.assets)}. DigitalOcean project: ${deployment.project === null ? "?" : `${code(deployment.project.name)} (${code(deployment.project.id)})`}.`,
      "",
    );
  }
  lines.push(
    ...table(
      ["app", "role", "region", "app id", "origin host"],
      deployment.apps.map((app) => [
        code(app.name),
        app.role,
        app.region,
        code(app.appId),
        code(app.originHost),
      ]),
    ),
    "",
    ...table(
      ["image", "deployed by digest"],
      deployment.images.map((image) => [image.service, code(image.repoDigest)]),
    ),
  );
  return lines;
}

function inventory(report: AuditReport): string[] {
  const { total, components, byProvider, byTier } = report.inventory;
  return [
    "## 1. Inventory",
    "",
    `${total} resources in the plan: ${total - components} from providers and ${components} components (\`platform:<tier>:<Kind>\`). A resource's tier is that of its top-level component.`,
    "",
    ...table(
      ["provider", "resources"],
      Object.entries(byProvider).map(([provider, count]) => [provider, String(count)]),
    ),
    "",
    ...table(
      ["tier", "components", "resources", "by provider"],
      byTier.map((tier) => [
        tier.tier,
        String(tier.components),
        String(tier.resources),
        countsText(tier.byProvider),
      ]),
    ),
  ];
}

const RESULT_TEXT = { pass: "pass", fail: "**FAIL**", advisory: "advisory" } as const;

/** A URN's last part, the resource's name: the JSON keeps the whole URN. */
const nameOf = (urn: string) => urn.split("::").at(-1) ?? urn;

function violationsText(rule: PolicyRow): string {
  if (rule.violations.length === 0) return "—";
  return rule.violations
    .map((v) => (v.resource === null ? v.message : `${code(nameOf(v.resource))}: ${v.message}`))
    .join("; ");
}

function policies(report: AuditReport): string[] {
  const section = report.policies;
  const lines = ["## 2. Policy results", ""];
  if (!section.available) {
    lines.push(`Not evaluated: ${section.reason}.`);
    return lines;
  }
  const { summary } = section;
  lines.push(
    `${summary.rules} rules of the policy pack (policy/) on the offline plan: ${summary.pass} pass, ${summary.fail} fail, ${summary.advisory} advisory with findings.`,
    "",
    ...table(
      ["rule", "level", "result", "violations"],
      section.rules.map((rule) => [
        `${code(rule.id)} ${rule.description}`,
        rule.advisoryReason === null ? rule.level : `${rule.level} (${rule.advisoryReason})`,
        RESULT_TEXT[rule.result],
        violationsText(rule),
      ]),
    ),
  );
  const findings = section.rules.filter((rule) => rule.result !== "pass");
  if (findings.length > 0) {
    lines.push("", "Remediation:", "");
    for (const rule of findings) lines.push(`- ${code(rule.id)}: ${rule.remediation}`);
  }
  return lines;
}

function bucketLines(bucket: BucketFacts): string[] {
  const lines = [`Bucket ${code(bucket.name)} (${bucket.purpose}):`, ""];
  for (const statement of bucket.policy) {
    const when =
      statement.conditions.length === 0 ? "" : ` when ${statement.conditions.join(" and ")}`;
    lines.push(
      `- bucket policy: ${statement.effect} ${statement.principal}: ${none(statement.actions)}${when}`,
    );
  }
  for (const grant of bucket.roles) {
    lines.push(
      `- IAM role ${code(grant.role)} (${grant.statement}): ${none(grant.actions)} on ${none(grant.resources)}`,
    );
  }
  if (bucket.policy.length + bucket.roles.length === 0)
    lines.push("- no bucket policy or role grant in the plan");
  return [...lines, ""];
}

function data(section: DataSection): string[] {
  const lines = ["## 3. Data: where it lives and who can reach it", ""];
  const { database, network, buckets, registry } = section;
  lines.push("### PostgreSQL", "");
  if (database === null) {
    lines.push("Not in the outputs.", "");
  } else {
    lines.push(
      `- Primary cluster: PostgreSQL ${database.version} in ${code(database.region)}, ${code(database.size)}, ${database.nodes} node${database.nodes === 1 ? "" : "s"} (${database.standbys === 0 ? "no standby: no automatic failover" : `${database.standbys} standby, automatic failover`}); database ${code(database.database)}; maintenance ${database.maintenanceWindow.day} ${database.maintenanceWindow.hour} UTC`,
      `- Read replicas: ${database.replicas.length === 0 ? "none" : database.replicas.map((r) => `${code(r.name)} in ${code(r.region)} (${code(r.size)})`).join(", ")}`,
      "",
      "Who connects as whom: a role per service that uses the database, granted exactly its access by the migration job (the schema's owner), each through its own pool.",
      "",
      ...table(
        ["role", "access", "pool"],
        database.roles.map((r) => [
          code(r.role),
          r.access,
          `${code(r.pool.name)} (${r.pool.mode} mode, ${r.pool.size} connections)`,
        ]),
      ),
      "",
      "Who can connect: the database firewall admits these sources and nothing else.",
      "",
      ...table(
        ["trusted source", "type", "value"],
        database.trustedSources.map((s) => [s.source, s.type, code(s.value)]),
      ),
      "",
      ...table(
        ["firewall of (plan)", "rules"],
        database.firewalls.map((f) => [code(f.guards), none(f.rules)]),
      ),
      "",
    );
  }
  lines.push("### Private network", "");
  if (network === null) {
    lines.push("Not in the outputs.", "");
  } else {
    lines.push(
      ...table(
        ["VPC", "range", "id", "members (plan)"],
        network.vpcs.map((vpc) => [
          vpc.datacenter,
          code(vpc.ipRange),
          code(vpc.id),
          vpc.members.join(", ") || "none",
        ]),
      ),
      "",
      `Peered: ${none(network.peerings)}.`,
      "",
    );
  }
  lines.push("### Object storage (S3)", "");
  if (buckets.length === 0) {
    lines.push("No buckets in the outputs.", "");
  } else {
    lines.push(
      ...table(
        [
          "bucket",
          "region",
          "versioning",
          "public access block",
          "object ownership",
          "old versions kept",
        ],
        buckets.map((b) => [
          code(b.name),
          b.region ?? "the AWS provider's default",
          b.versioning,
          b.publicAccessBlock,
          b.objectOwnership,
          `${b.noncurrentVersionExpirationDays} days`,
        ]),
      ),
      "",
      ...buckets.flatMap(bucketLines),
    );
  }
  lines.push("### Container registry", "");
  lines.push(
    registry === null
      ? "Not in the outputs."
      : `${code(registry.name)} (${registry.tier}) in ${code(registry.datacenter)}: ${code(registry.endpoint)}; the apps pull images by digest.`,
  );
  return lines;
}

function encryption(report: AuditReport): string[] {
  return [
    "## 4. Encryption",
    "",
    ...table(
      ["what", "state", "how", "from"],
      report.encryption.map((row) => [row.subject, row.state, row.how, row.from]),
    ),
  ];
}

function protection(report: AuditReport): string[] {
  const { resources, declared } = report.protection;
  return [
    "## 5. Protection from deletion",
    "",
    "`protect`: `pulumi destroy` and replacements fail until it is lifted; `retainOnDelete`: removing the resource from the program leaves it in the cloud.",
    "",
    ...table(
      ["resource", "type", "tier", "protect", "retainOnDelete"],
      resources.map((r) => [
        code(r.name),
        code(r.type),
        r.tier,
        yesNo(r.protect),
        yesNo(r.retainOnDelete),
      ]),
    ),
    "",
    `The outputs declare: ${declared.map((d) => `${d.what} ${d.protected ? "protected" : "**not protected**"}`).join("; ") || "nothing"}.`,
  ];
}

/**
 * Destinations as bullets, one per set of resources that receive a secret at the same inputs (the
 * two apps, the fifteen uptime alerts), so a secret that reaches thirty inputs reads in a few lines.
 */
function destinationLines(destinations: readonly SecretDestination[]): string[] {
  const byResource = new Map<string, string[]>();
  for (const { resource, where } of destinations) {
    byResource.set(resource, [...(byResource.get(resource) ?? []), where]);
  }
  const groups = new Map<string, { resources: string[]; paths: string[] }>();
  for (const [resource, paths] of byResource) {
    const signature = JSON.stringify(paths);
    const group = groups.get(signature) ?? { resources: [], paths };
    group.resources.push(resource);
    groups.set(signature, group);
  }
  return [...groups.values()].map(({ resources, paths }) => `- ${none(resources)}: ${none(paths)}`);
}

function secrets(report: AuditReport): string[] {
  const { config, generated } = report.secrets;
  const lines = [
    "## 6. Secrets (names only)",
    "",
    "Secret config keys (`pulumi config set --secret`) and whether this stack sets them:",
    "",
    ...table(
      ["config key", "set", "inputs it reaches", "what it is"],
      config.map((s) => [
        code(s.key),
        yesNo(s.set),
        s.set ? String(s.destinations.length) : "—",
        s.description,
      ]),
    ),
  ];
  for (const secret of config.filter((s) => s.destinations.length > 0)) {
    lines.push("", `${code(secret.key)} goes to:`, "", ...destinationLines(secret.destinations));
  }
  lines.push(
    "",
    "Secrets the stack generates or a provider returns (passwords, connection URLs, the origin lock, push credentials) go to:",
    "",
    ...destinationLines(generated),
    "",
    "GitHub Actions secrets the stack writes are named per environment in section 8.",
  );
  return lines;
}

function monitoring(section: MonitoringSection | null): string[] {
  const lines = ["## 7. Monitors and alert routes", ""];
  if (section === null) return [...lines, "Not in the outputs."];
  const { route, uptime, appAlerts, serviceAlerts, loadBalancer, apm, logs } = section;
  lines.push(
    `Alert route, shared by the stack's alerts: e-mail ${none(route.emails)}; Slack ${route.slack ? `on (${route.slackChannel === null ? "webhook's channel" : code(route.slackChannel)})` : "off"}.`,
    "",
    ...table(
      ["uptime check", "alerts"],
      uptime.map((check) => [code(check.url), check.alerts.join(", ")]),
    ),
    "",
    ...table(
      ["App Platform app", "app alerts (plan)"],
      appAlerts.map((app) => [code(app.app), app.rules.join(", ")]),
    ),
    "",
    ...table(
      ["app", "service", "alerts above"],
      serviceAlerts.map((s) => [
        code(s.app),
        s.service,
        Object.entries(s.thresholds)
          .map(([rule, value]) => `${rule} ${value}`)
          .join(", "),
      ]),
    ),
    "",
  );
  if (loadBalancer !== null) {
    lines.push(
      `Load balancer ${code(loadBalancer.hostname)}, pools in failover order: ${loadBalancer.pools.map((p) => `${code(p.name)} (${p.region}; ${p.monitor})`).join(", ")}.`,
      ...loadBalancer.notifications.map(
        (n) => `Cloudflare notification ${code(n.name)} (${n.alertType}) to ${none(n.emails)}.`,
      ),
      "",
    );
  }
  if (apm === null) {
    lines.push("APM: none configured.");
  } else {
    lines.push(
      `APM: ${apm.backend}, traces and metrics to ${code(apm.endpoint)}.`,
      "",
      ...table(
        ["monitor", "query", "threshold"],
        apm.monitors.map((m) => [m.name, code(m.query), String(m.threshold)]),
      ),
    );
  }
  lines.push(
    "",
    `Logs drained to: ${none(logs.drains)}. Errors to Sentry: ${logs.sentry ? "on" : "off"}.`,
  );
  return lines;
}

function trustText(environment: PipelineEnvironment): string {
  const trust = environment.trustInPlan;
  if (trust === null) return "not in the bootstrap's plan";
  const matches =
    !trust.wildcard &&
    trust.subjects.length === 1 &&
    trust.subjects[0] === environment.awsRole.trusts;
  return `${matches ? "matches" : "**differs**"}: sub ${none(trust.subjects)}${trust.wildcard ? " (a pattern)" : ""}, aud ${none(trust.audiences)}`;
}

function pipeline(section: PipelineSection | null): string[] {
  const lines = ["## 8. Pipeline controls", ""];
  if (section === null) return [...lines, "Not in the outputs."];
  const reviewers = (e: PipelineEnvironment) =>
    [
      ...e.reviewers.teams.map((t) => `team ${t}`),
      ...e.reviewers.users.map((u) => `user ${u}`),
    ].join(", ") || "none";
  const provider =
    section.oidcProvider === null
      ? "GitHub's OIDC provider"
      : `the OIDC provider ${code(section.oidcProvider.arn)} (${section.oidcProvider.created ? "created by the bootstrap" : "found in the account"})`;
  lines.push(
    `Repository ${code(section.repository)}, delivery flow ${code(section.flow)}. Declared by ${section.declaredBy}. CI assumes AWS roles through ${provider}; no AWS keys are stored.`,
    "",
    ...table(
      [
        "environment",
        "kind",
        "deploys from",
        "reviewers",
        "no self-review",
        "admins bypass",
        "AWS role",
        "the role trusts",
        "trust policy in the plan",
      ],
      section.environments.map((e) => [
        code(e.name),
        e.kind,
        e.deployFrom,
        reviewers(e),
        yesNo(e.preventSelfReview),
        yesNo(e.adminsBypass),
        code(e.awsRole.arn),
        code(e.awsRole.trusts),
        trustText(e),
      ]),
    ),
    "",
    ...table(
      ["environment", "Actions variables (names)", "Actions secrets (names)"],
      section.environments.map((e) => [code(e.name), none(e.variables), none(e.secrets)]),
    ),
    "",
    ...section.rulesetsInPlan.map(
      (ruleset) =>
        `- Ruleset ${code(ruleset.name)} on ${ruleset.target}s (${ruleset.enforcement}): ${none(ruleset.rules)}.`,
    ),
  );
  return lines;
}

function cost(section: CostSection): string[] {
  const { monthly, budget } = section;
  const lines = ["## 9. Cost", ""];
  lines.push(
    budget === null
      ? `Monthly estimate ${formatUsd(monthly)} (USD, list prices); the stack sets no budget.`
      : `Monthly estimate ${formatUsd(monthly)} (USD, list prices): the minimum is ${section.withinBudget === true ? "within" : "over"} the budget of ${formatUsd({ min: budget, max: budget })} (\`cost.budget\`, rule \`cost-within-budget\`).`,
    "",
    ...table(
      ["resource", "charge", "quantity", "unit price (USD)", "monthly", "source (read)"],
      section.items.map((item) => [
        item.resource,
        item.charge,
        item.quantity.min === item.quantity.max
          ? String(item.quantity.min)
          : `${String(item.quantity.min)}–${String(item.quantity.max)}`,
        `${String(item.unitPrice)} / ${item.unit}`,
        formatUsd(item.monthly),
        `${item.source.url} (${item.source.read})`,
      ]),
    ),
    "",
    `- ${String(section.free)} resources cost nothing by themselves; \`pnpm cost <stack> --json\` gives each its source.`,
    ...section.unpriced.map(
      (item) => `- Not in the total: ${item.resource}, ${item.charge} — ${item.why}.`,
    ),
    ...section.outside.map(
      (item) => `- Billed outside the estimate: ${item.resource}, ${item.why}.`,
    ),
    ...section.problems.map((problem) => `- **Not priced:** ${problem}.`),
    ...section.assumptions.map((assumption) => `- Assumed: ${assumption}.`),
  );
  return lines;
}

export function renderMarkdown(report: AuditReport): string {
  return `${[
    ...header(report),
    "",
    ...inventory(report),
    "",
    ...policies(report),
    "",
    ...data(report.data),
    "",
    ...encryption(report),
    "",
    ...protection(report),
    "",
    ...secrets(report),
    "",
    ...monitoring(report.monitoring),
    "",
    ...pipeline(report.pipeline),
    "",
    ...cost(report.cost),
  ].join("\n")}\n`;
}
