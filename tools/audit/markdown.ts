// The report as Markdown: a list of sections, one per question an auditor asks, each a list of
// blocks (a paragraph, or a table where rows compare), and one renderer for them all.
import { formatUsd } from "../../policy/cost/estimate.ts";
import { quantityText } from "../cost/render.ts";
import { pathSteps, valueAtSteps } from "../mock/secrets.ts";
import type { AuditReport } from "./report.ts";
import type { SecretDestination } from "./secrets.ts";

type Environment = NonNullable<AuditReport["pipeline"]>["environments"][number];

/** A table's head as Markdown writes it (`app | role | region`), and a row's cells. */
interface Table {
  head: string;
  rows: readonly (readonly string[])[];
}
/** A paragraph (its lines), or a table; blocks are separated by a blank line, empty ones dropped. */
type Block = string | Table;

/**
 * A cell as it reads by default: yes or no, a dash where nothing applies (a setting without
 * reviewers to bind), a list joined by commas.
 */
function cellOf(value: unknown): string {
  if (typeof value === "boolean") return value ? "yes" : "no";
  if (value === null) return "—";
  if (Array.isArray(value)) return value.join(", ");
  return typeof value === "string" ? value : JSON.stringify(value);
}

/**
 * One row per item of the report, one column per field in the report's order, each shown by the
 * column's own formatter where it has one: the table shows the JSON's data, nothing else.
 */
function table<Row extends object>(
  head: string,
  rows: readonly Row[],
  shown: { [K in keyof Row]?: (value: Row[K]) => string } = {},
): Table {
  const show = (row: Row) =>
    (Object.keys(row) as (keyof Row)[]).map((key) => shown[key]?.(row[key]) ?? cellOf(row[key]));
  return { head, rows: rows.map(show) };
}
const code = (value: string) => `\`${value.replaceAll("`", "'")}\``;
const none = (items: readonly string[], shown: (item: string) => string = code) =>
  items.length === 0 ? "none" : items.map(shown).join(", ");
const bullets = (items: readonly string[]) => items.map((item) => `- ${item}`).join("\n");
const named = (counts: Record<string, number>) =>
  Object.entries(counts)
    .map(([name, count]) => `${name} ${count}`)
    .join(", ");

/**
 * Each value the offline plan made up, marked where it shows: after the code span that holds it,
 * or after the value itself in plain text.
 */
function marking(madeUp: readonly string[]): (text: string) => string {
  if (madeUp.length === 0) return (text) => text;
  const longestFirst = [...madeUp].sort((a, b) => b.length - a.length);
  const pattern = new RegExp(
    longestFirst.map((v) => v.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join("|"),
    "g",
  );
  const mark = (part: string) =>
    part.startsWith("`")
      ? `${part}${madeUp.some((v) => part.includes(v)) ? " (simulated)" : ""}`
      : part.replace(pattern, "$& (simulated)");
  return (text) =>
    text
      .split(/(`[^`]*`)/)
      .map(mark)
      .join("");
}

function render(block: Block, mark: (text: string) => string): string {
  if (typeof block === "string") return mark(block);
  const head = block.head.split(" | ");
  const line = (cells: readonly string[]) => `| ${cells.join(" | ")} |`;
  // A cell's pipes would end it, and a line break the row.
  const cell = (value: string) => mark(value).replaceAll("|", "\\|").replaceAll("\n", " ");
  return [
    line(head),
    line(head.map(() => "---")),
    ...block.rows.map((r) => line(r.map(cell))),
  ].join("\n");
}

function header({ source, ...report }: AuditReport): Block[] {
  const dirty =
    report.uncommittedChanges === true ? " with uncommitted changes in the work tree" : "";
  const from = source.outputsFile === "-" ? "stdin" : code(source.outputsFile ?? "");
  const offline = source.facts === "offline plan";
  return [
    `# Audit report: stack ${code(report.stack)}`,
    table(" | ", [
      ["Stack", code(report.stack)],
      [
        "Commit",
        report.commit === null ? "unknown (not a git work tree)" : code(report.commit) + dirty,
      ],
      [
        "Facts (ids, endpoints, digests, ranges, trusted sources)",
        offline
          ? "the offline plan: simulated by the mock runtime, no cloud contacted"
          : `the deployed stack's outputs (${from})`,
      ],
      [
        "Declarations (inventory, policy results, protection, secrets, settings)",
        "the offline plan of this commit",
      ],
      ["Generated", report.generatedAt],
    ]),
    report.simulated.length === 0
      ? ""
      : offline
        ? "Values marked (simulated) were made up by the offline plan's mock runtime (ids, hosts, digests, assigned ranges, Cloudflare's ranges, GitHub's ids): the cloud decides them, and `--outputs` reports a deployment's own."
        : "Values marked (simulated) come from the offline plan, not the deployment: declarations read from the plan (firewall rules, bucket policies, trust policies) hold what its mock runtime made up (assigned ranges, Cloudflare's ranges, GitHub's ids).",
    "Secret values never appear here: secrets are named, with where each goes, and nothing more." +
      (offline
        ? ""
        : "\nWhere the plan and the deployment could differ (the stack deployed from another commit, or\nchanged outside Pulumi), run `pulumi preview --refresh --expect-no-changes` on the same commit."),
    report.missingOutputs.length === 0
      ? ""
      : `> The outputs lack ${none(report.missingOutputs)}: the deployment predates them, so the parts that read them are empty.`,
  ];
}

function deployment({ deployment: { hostnames: hosts, project, apps, images } }: AuditReport) {
  const projectText = project === null ? "?" : `${code(project.name)} (${code(project.id)})`;
  return [
    hosts === null
      ? ""
      : `Public hostnames: ${code(hosts.app)}, ${code(hosts.assets)}. DigitalOcean project: ${projectText}.`,
    table("app | role | region | app id | origin host", apps, {
      name: code,
      appId: code,
      originHost: code,
    }),
    table("image | deployed by digest", images, { repoDigest: code }),
  ];
}

function inventory({ inventory: { total, components, byProvider, byTier } }: AuditReport) {
  return [
    `${total} resources in the plan: ${total - components} from providers and ${components} components (\`platform:<tier>:<Kind>\`). A resource's tier is that of its top-level component.`,
    table("provider | resources", Object.entries(byProvider)),
    table("tier | components | resources | by provider", byTier, { byProvider: named }),
  ];
}

function endpoints({ endpoints: { public: reachable, internal } }: AuditReport): Block[] {
  return [
    "Every host and path the internet can reach, and what guards it: the edge (Cloudflare), an origin lock (the secret header the edge adds, or a bucket policy that admits Cloudflare's ranges only), or none.",
    table("host | path | serves | guarded by | how", reachable, { host: code }),
    `Not reachable from the internet: ${internal.length === 0 ? "" : `${none(internal)} (no route: only the app's other components call ${internal.length === 1 ? "it" : "them"}); `}the database (its firewall admits only the trusted sources of section 3).`,
  ];
}

const RESULT_TEXT = { pass: "pass", fail: "**FAIL**", advisory: "advisory" } as const;

function policies({ policies: section }: AuditReport): Block[] {
  if (!section.available) return [`Not evaluated: ${section.reason}.`];
  const { summary: sum, rules } = section;
  // A violation names its resource by the URN's last part; the JSON keeps the whole URN.
  const violation = (v: (typeof rules)[number]["violations"][number]) =>
    v.resource === null ? v.message : `${code(v.resource.split("::").at(-1) ?? "")}: ${v.message}`;
  const findings = rules.filter((rule) => rule.result !== "pass");
  return [
    `${sum.rules} rules of the policy pack (policy/) on the offline plan: ${sum.pass} pass, ${sum.fail} fail, ${sum.advisory} advisory with findings.`,
    table(
      "rule | level | result | violations",
      rules.map((r) => [
        `${code(r.id)} ${r.description}`,
        r.advisoryReason === null ? r.level : `${r.level} (${r.advisoryReason})`,
        RESULT_TEXT[r.result],
        r.violations.map(violation).join("; ") || "—",
      ]),
    ),
    findings.length === 0 ? "" : "Remediation:",
    bullets(findings.map((rule) => `${code(rule.id)}: ${rule.remediation}`)),
  ];
}

function data({ data: { database: db, network, buckets, registry } }: AuditReport): Block[] {
  const missing = "Not in the outputs.";
  const standby = (n: number) =>
    n === 0 ? "no standby: no automatic failover" : `${n} standby, automatic failover`;
  const grants = (b: (typeof buckets)[number]) => [
    ...b.policy.map(
      (s) =>
        `bucket policy: ${s.effect} ${s.principal}: ${none(s.actions)}${s.conditions.length === 0 ? "" : ` when ${s.conditions.join(" and ")}`}`,
    ),
    ...b.roles.map(
      (g) =>
        `IAM role ${code(g.role)} (${g.statement}): ${none(g.actions)} on ${none(g.resources)}`,
    ),
  ];
  return [
    "### PostgreSQL",
    ...(db === null
      ? [missing]
      : [
          bullets([
            `Primary cluster: PostgreSQL ${db.version} in ${code(db.region)}, ${code(db.size)}, ${db.nodes} node${db.nodes === 1 ? "" : "s"} (${standby(db.standbys)}); database ${code(db.database)}; maintenance ${db.maintenanceWindow.day} ${db.maintenanceWindow.hour} UTC`,
            `Read replicas: ${none(
              db.replicas.map((r) => `${code(r.name)} in ${code(r.region)} (${code(r.size)})`),
              (r) => r,
            )}`,
          ]),
          "Who connects as whom: a role per service that uses the database, granted exactly its access by the migration job (the schema's owner), each through its own pool.",
          table("role | access | pool", db.roles, {
            role: code,
            pool: (pool) => `${code(pool.name)} (${pool.mode} mode, ${pool.size} connections)`,
          }),
          "Who can connect: the database firewall admits these sources and nothing else.",
          table(
            "trusted source | type | value",
            db.trustedSources.map((s) => [s.source, s.type, code(s.value)]),
          ),
          table("firewall of (plan) | rules", db.firewalls, { guards: code, rules: none }),
        ]),
    "### Private network",
    ...(network === null
      ? [missing]
      : [
          table(
            "VPC | range | id | members (plan)",
            network.vpcs.map((v) => [
              v.datacenter,
              code(v.ipRange),
              code(v.id),
              v.members.join(", ") || "none",
            ]),
          ),
          `Peered: ${none(network.peerings)}.`,
        ]),
    "### Object storage (S3)",
    ...(buckets.length === 0
      ? ["No buckets in the outputs."]
      : [
          table(
            "bucket | region | versioning | public access block | object ownership | old versions kept",
            buckets.map((b) => [
              code(b.name),
              b.region ?? "the AWS provider's default",
              b.versioning,
              b.publicAccessBlock,
              b.objectOwnership,
              `${b.noncurrentVersionExpirationDays} days`,
            ]),
          ),
          ...buckets.flatMap((b) => [
            `Bucket ${code(b.name)} (${b.purpose}):`,
            bullets(
              grants(b).length === 0 ? ["no bucket policy or role grant in the plan"] : grants(b),
            ),
          ]),
        ]),
    "### Container registry",
    registry === null
      ? missing
      : `${code(registry.name)} (${registry.tier}) in ${code(registry.datacenter)}: ${code(registry.endpoint)}; the apps pull images by digest.`,
  ];
}

function protection({ protection: { resources, declared } }: AuditReport) {
  const said = declared.map((d) => `${d.what} ${d.protected ? "protected" : "**not protected**"}`);
  return [
    "`protect`: `pulumi destroy` and replacements fail until it is lifted; `retainOnDelete`: removing the resource from the program leaves it in the cloud.",
    table("resource | type | tier | protect | retainOnDelete", resources, {
      name: code,
      type: code,
    }),
    `The outputs declare: ${said.join("; ") || "nothing"}.`,
  ];
}

/**
 * Destinations as bullets, one per set of resources that receive a secret at the same inputs (the
 * two apps, the fifteen uptime alerts), so a secret that reaches thirty inputs reads in a few lines.
 */
function destinations(list: readonly SecretDestination[]): string {
  const places = [...Map.groupBy(list, (d) => d.resource)].map(
    ([resource, at]) => [resource, none(at.map((d) => d.where))] as const,
  );
  const groups = Map.groupBy(places, ([, where]) => where);
  return bullets([...groups].map(([where, group]) => `${none(group.map(([r]) => r))}: ${where}`));
}

function secrets({ secrets: { config, generated } }: AuditReport) {
  return [
    "Secret config keys (`pulumi config set --secret`) and whether this stack sets them:",
    table(
      "config key | set | inputs it reaches | what it is",
      config.map((s) => [
        code(s.key),
        cellOf(s.set),
        s.set ? `${s.destinations.length}` : "—",
        s.description,
      ]),
    ),
    ...config
      .filter((s) => s.destinations.length > 0)
      .flatMap((s) => [`${code(s.key)} goes to:`, destinations(s.destinations)]),
    "Secrets the stack generates or a provider returns (passwords, connection URLs, the origin lock, push credentials) go to:",
    destinations(generated),
    "GitHub Actions secrets the stack writes are named per environment in section 8.",
  ];
}

function monitoring({ monitoring: section }: AuditReport): Block[] {
  if (section === null) return ["Not in the outputs."];
  const { route, loadBalancer: lb, apm, logs } = section;
  const channel = route.slackChannel === null ? "webhook's channel" : code(route.slackChannel);
  const pools = lb?.pools.map((p) => `${code(p.name)} (${p.region}; ${p.monitor})`) ?? [];
  return [
    `Alert route, shared by the stack's alerts: e-mail ${none(route.emails)}; Slack ${route.slack ? `on (${channel})` : "off"}.`,
    table("uptime check | alerts", section.uptime, { url: code }),
    table("App Platform app | app alerts (plan)", section.appAlerts, { app: code }),
    table("app | service | alerts above", section.serviceAlerts, { app: code, thresholds: named }),
    lb === null
      ? ""
      : [
          `Load balancer ${code(lb.hostname)}, pools in failover order: ${pools.join(", ")}.`,
          ...lb.notifications.map(
            (n) => `Cloudflare notification ${code(n.name)} (${n.alertType}) to ${none(n.emails)}.`,
          ),
        ].join("\n"),
    apm === null
      ? "APM: none configured."
      : `APM: ${apm.backend}, traces and metrics to ${code(apm.endpoint)}.`,
    apm === null ? "" : table("monitor | query | threshold", apm.monitors, { query: code }),
    `Logs drained to: ${none(logs.drains)}. Errors to Sentry: ${logs.sentry ? "on" : "off"}.`,
  ];
}

function trustText({ trustInPlan: trust, awsRole }: Environment): string {
  if (trust === null) return "not in the bootstrap's plan";
  const exact =
    !trust.wildcard && trust.subjects.length === 1 && trust.subjects[0] === awsRole.trusts;
  return `${exact ? "matches" : "**differs**"}: sub ${none(trust.subjects)}${trust.wildcard ? " (a pattern)" : ""}, aud ${none(trust.audiences)}`;
}

function pipeline({ pipeline: section }: AuditReport): Block[] {
  if (section === null) return ["Not in the outputs."];
  const { oidcProvider: oidc, environments } = section;
  const reviewers = ({ reviewers: { teams, users } }: Environment) =>
    [...teams.map((t) => `team ${t}`), ...users.map((u) => `user ${u}`)].join(", ") || "none";
  const provider =
    oidc === null
      ? "GitHub's OIDC provider"
      : `the OIDC provider ${code(oidc.arn)} (${oidc.created ? "created by the bootstrap" : "found in the account"})`;
  return [
    `Repository ${code(section.repository)}, delivery flow ${code(section.flow)}. Declared by ${section.declaredBy}. CI assumes AWS roles through ${provider}; no AWS keys are stored.`,
    table(
      "environment | kind | deploys from | reviewers | no self-review | admins bypass | AWS role | the role trusts | trust policy in the plan",
      environments.map((e) => [
        code(e.name),
        e.kind,
        e.deployFrom,
        reviewers(e),
        cellOf(e.preventSelfReview),
        cellOf(e.adminsBypass),
        code(e.awsRole.arn),
        code(e.awsRole.trusts),
        trustText(e),
      ]),
    ),
    table(
      "environment | Actions variables (names) | Actions secrets (names)",
      environments.map((e) => [code(e.name), none(e.variables), none(e.secrets)]),
    ),
    bullets(
      section.rulesetsInPlan.map(
        (r) => `Ruleset ${code(r.name)} on ${r.target}s (${r.enforcement}): ${none(r.rules)}.`,
      ),
    ),
  ];
}

function cost({ cost: { monthly, budget, ...section } }: AuditReport) {
  const held =
    budget === null
      ? "; the stack sets no budget."
      : `: the minimum is ${section.withinBudget === true ? "within" : "over"} the budget of ${formatUsd({ min: budget, max: budget })} (\`cost.budget\`, rule \`cost-within-budget\`).`;
  return [
    `Monthly estimate ${formatUsd(monthly)} (USD, list prices)${held}`,
    table(
      "resource | charge | quantity | unit price (USD) | monthly | source (read)",
      section.items.map((i) => [
        i.resource,
        i.charge,
        quantityText(i.quantity),
        `${i.unitPrice} / ${i.unit}`,
        formatUsd(i.monthly),
        `${i.source.url} (${i.source.read})`,
      ]),
    ),
    bullets([
      `${section.free} resources cost nothing by themselves; \`pnpm cost <stack> --json\` gives each its source.`,
      ...section.unpriced.map((i) => `Not in the total: ${i.resource}, ${i.charge} — ${i.why}.`),
      ...section.outside.map((i) => `Billed outside the estimate: ${i.resource}, ${i.why}.`),
      ...section.problems.map((problem) => `**Not priced:** ${problem}.`),
      ...section.assumptions.map((assumption) => `Assumed: ${assumption}.`),
    ]),
  ];
}

/** The report's sections in order, each with its title and its blocks. */
const SECTIONS: readonly [title: string, blocks: (report: AuditReport) => Block[]][] = [
  ["Deployment", deployment],
  ["Public endpoints", endpoints],
  ["1. Inventory", inventory],
  ["2. Policy results", policies],
  ["3. Data: where it lives and who can reach it", data],
  ["4. Encryption", ({ encryption }) => [table("what | state | how | from", encryption)]],
  ["5. Protection from deletion", protection],
  ["6. Secrets (names only)", secrets],
  ["7. Monitors and alert routes", monitoring],
  ["8. Pipeline controls", pipeline],
  ["9. Cost", cost],
];

export function renderMarkdown(report: AuditReport): string {
  const blocks = SECTIONS.flatMap(([title, blocks]) => [`## ${title}`, ...blocks(report)]);
  const madeUp = report.simulated.map((path) => valueAtSteps(report, pathSteps(path)));
  const mark = marking(madeUp.filter((value) => typeof value === "string"));
  const text = [...header(report), ...blocks].map((b) => render(b, mark)).filter((t) => t !== "");
  return `${text.join("\n\n")}\n`;
}
