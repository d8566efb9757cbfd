// The estimate for people (a table), for machines (`--json`, one object) and for review (Markdown
// of the change a pull request makes, before and after).
import { formatUsd, type CostItem, type Estimate, type Range } from "../../policy/cost/estimate.ts";

/** What `pnpm cost --json` prints: the estimate of the named stack. */
export type CostReport = { stack: string } & Estimate;

export function costReport(stack: string, estimate: Estimate): CostReport {
  return { stack, ...estimate };
}

/** A quantity, or the range an autoscaled one spans: `2–6`. */
export const quantityText = ({ min, max }: Range) =>
  min === max ? String(min) : `${String(min)}–${String(max)}`;

const unitPriceText = (item: CostItem) =>
  `$${item.unitPrice.toLocaleString("en-US", { maximumSignificantDigits: 6 })} / ${item.unit}`;

function table(rows: string[][]): string[] {
  const widths = rows[0]?.map((_, column) =>
    Math.max(...rows.map((row) => (row[column] ?? "").length)),
  );
  return rows.map((row) =>
    row
      .map((cell, column) => cell.padEnd(widths?.[column] ?? 0))
      .join("  ")
      .trimEnd(),
  );
}

/** How many free items share each reason, most first. */
function countsByCharge(items: readonly CostItem[]): [string, number][] {
  const counts = new Map<string, number>();
  for (const item of items) counts.set(item.charge, (counts.get(item.charge) ?? 0) + 1);
  return [...counts.entries()].sort(([a, x], [b, y]) => y - x || a.localeCompare(b));
}

/** `pnpm cost <stack>`: the charged items, then the free, the unpriced and the assumptions. */
export function renderCostText(stack: string, estimate: Estimate): string {
  const charged = estimate.items.filter((item) => item.monthly.max > 0);
  const free = estimate.items.filter((item) => item.monthly.max === 0);
  const lines = [
    `Monthly cost of stack "${stack}": ${formatUsd(estimate.monthly)} (USD, offline plan)`,
    "",
    ...table([
      ["resource", "charge", "quantity", "unit price", "monthly"],
      ...charged.map((item) => [
        item.resource,
        item.charge,
        quantityText(item.quantity),
        unitPriceText(item),
        formatUsd(item.monthly),
      ]),
    ]).map((line) => `  ${line}`),
    "",
    `Free (${String(free.length)} items; --json gives each its source):`,
    ...countsByCharge(free).map(([charge, count]) => `  ${String(count).padStart(3)} × ${charge}`),
  ];
  if (estimate.unpriced.length > 0) {
    lines.push(
      "",
      "Not in the total, no published price found:",
      ...estimate.unpriced.map(
        (item) =>
          `  ${item.resource}: ${item.charge}, ${quantityText(item.quantity)} ${item.unit} — ${item.why} (${item.source.url})`,
      ),
    );
  }
  if (estimate.outside.length > 0) {
    lines.push(
      "",
      "Billed outside this estimate:",
      ...estimate.outside.map((item) => `  ${item.resource}: ${item.why}`),
    );
  }
  lines.push("", "Assumptions:", ...estimate.assumptions.map((line) => `  - ${line}`));
  lines.push("", "Sources: pnpm cost <stack> --json lists each price's source and read date.");
  return `${lines.join("\n")}\n`;
}

const keyOf = (item: CostItem) => `${item.resource}\u0000${item.charge}`;

function signed(range: Range): string {
  const sign = (value: number) => (value > 0 ? "+" : value < 0 ? "−" : "±");
  const abs = { min: Math.abs(range.min), max: Math.abs(range.max) };
  if (range.min === range.max) return `${sign(range.min)}${formatUsd(abs)}`;
  return `${sign(range.min)}${formatUsd({ min: abs.min, max: abs.min })} to ${sign(range.max)}${formatUsd({ min: abs.max, max: abs.max })}`;
}

const minus = (after: Range, before: Range): Range => ({
  min: Math.round((after.min - before.min) * 100) / 100,
  max: Math.round((after.max - before.max) * 100) / 100,
});

const ZERO: Range = { min: 0, max: 0 };

/** Markdown of what a change does to a stack's monthly estimate: before, after, the difference. */
export function renderCostDiffMarkdown(stack: string, before: Estimate, after: Estimate): string {
  const difference = minus(after.monthly, before.monthly);
  const lines = [
    `### Monthly cost of \`${stack}\`: ${formatUsd(before.monthly)} → ${formatUsd(after.monthly)} (${signed(difference)})`,
    "",
  ];
  const beforeByKey = new Map(before.items.map((item) => [keyOf(item), item]));
  const afterByKey = new Map(after.items.map((item) => [keyOf(item), item]));
  const keys = [...new Set([...beforeByKey.keys(), ...afterByKey.keys()])];
  const rows = keys.flatMap((key) => {
    const was = beforeByKey.get(key)?.monthly ?? ZERO;
    const now = afterByKey.get(key)?.monthly ?? ZERO;
    const change = minus(now, was);
    if (change.min === 0 && change.max === 0) return [];
    const item = afterByKey.get(key) ?? beforeByKey.get(key);
    const label = item === undefined ? key : `${item.resource}: ${item.charge}`;
    return [`| ${label} | ${formatUsd(was)} | ${formatUsd(now)} | ${signed(change)} |`];
  });
  if (rows.length === 0) {
    lines.push("No change to the monthly estimate.", "");
  } else {
    lines.push("| item | before | after | difference |", "| --- | --- | --- | --- |", ...rows, "");
  }
  if (after.unpriced.length > 0) {
    lines.push(
      `Not in the totals (no published price): ${after.unpriced.map((item) => `${item.resource} ${item.charge}`).join("; ")}.`,
      "",
    );
  }
  if (after.problems.length > 0) {
    lines.push(`**The estimate is incomplete:** ${after.problems.join("; ")}`, "");
  }
  lines.push(
    "USD a month at list prices, from the offline plans of base and head priced with this branch's table (policy/cost/prices.ts) and usage assumptions; `pnpm cost <stack>` shows every line.",
    "",
  );
  return lines.join("\n");
}
