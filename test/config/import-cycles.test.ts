// No import circle in the program, the components, the policies or the tools: a module that
// imports, however indirectly, a module that imports it back makes both harder to read, to test
// alone and to move, and under ESM one of them sees the other half-initialized. Type-only imports
// count too: they are still a dependency a reader has to follow both ways.
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";

const root = path.join(import.meta.dirname, "../..");
const SCANNED = ["stacks", "infra", "policy", "tools"];

function scannedModules(): string[] {
  return execFileSync(
    "git",
    ["ls-files", "-z", "--cached", "--others", "--exclude-standard", ...SCANNED],
    { cwd: root, encoding: "utf8" },
  )
    .split("\0")
    .filter((file) => /\.[cm]?[jt]s$/.test(file) && existsSync(path.join(root, file)));
}

/** The repository-relative files `file` imports or re-exports through a relative specifier. */
function relativeImports(file: string, source: string): string[] {
  const { importedFiles } = ts.preProcessFile(source, true, true);
  return importedFiles
    .map(({ fileName }) => fileName)
    .filter((specifier) => specifier.startsWith("./") || specifier.startsWith("../"))
    .map((specifier) => path.posix.normalize(path.posix.join(path.posix.dirname(file), specifier)));
}

type ImportGraph = ReadonlyMap<string, readonly string[]>;

/**
 * Every cycle of the graph, each once, as the path from its smallest module back to it
 * (`a.ts → b.ts → a.ts`). Tarjan's strongly connected components find the modules that sit on a
 * cycle; a depth-first search inside each component names one cycle through every edge's start.
 */
function importCycles(graph: ImportGraph): string[] {
  const cycles = new Set<string>();
  for (const component of stronglyConnected(graph)) {
    const members = new Set(component);
    for (const start of [...component].sort()) {
      const trail = cycleFrom(start, graph, members);
      if (trail !== undefined) cycles.add(canonical(trail));
    }
  }
  return [...cycles].sort();
}

function stronglyConnected(graph: ImportGraph): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const components: string[][] = [];
  const visit = (node: string): void => {
    index.set(node, index.size);
    low.set(node, index.size - 1);
    stack.push(node);
    onStack.add(node);
    for (const next of graph.get(node) ?? []) {
      if (!graph.has(next)) continue;
      if (!index.has(next)) {
        visit(next);
        low.set(node, Math.min(low.get(node) ?? 0, low.get(next) ?? 0));
      } else if (onStack.has(next)) {
        low.set(node, Math.min(low.get(node) ?? 0, index.get(next) ?? 0));
      }
    }
    if (low.get(node) === index.get(node)) {
      const component: string[] = [];
      let member: string | undefined;
      do {
        member = stack.pop();
        if (member === undefined) break;
        onStack.delete(member);
        component.push(member);
      } while (member !== node);
      const selfImport = graph.get(node)?.includes(node) ?? false;
      if (component.length > 1 || selfImport) components.push(component);
    }
  };
  for (const node of graph.keys()) if (!index.has(node)) visit(node);
  return components;
}

/** A shortest path from `start` back to itself inside `members` (breadth first). */
function cycleFrom(
  start: string,
  graph: ImportGraph,
  members: ReadonlySet<string>,
): string[] | undefined {
  const cameFrom = new Map<string, string>();
  const queue = [start];
  while (queue.length > 0) {
    const node = queue.shift() ?? start;
    for (const next of graph.get(node) ?? []) {
      if (!members.has(next)) continue;
      if (next === start) {
        const trail = [node];
        while (trail[0] !== start) trail.unshift(cameFrom.get(trail[0] ?? start) ?? start);
        return [...trail, start];
      }
      if (!cameFrom.has(next)) {
        cameFrom.set(next, node);
        queue.push(next);
      }
    }
  }
  return undefined;
}

/** The cycle written from its smallest module, so the same circle reads the same way each time. */
function canonical(trail: readonly string[]): string {
  const loop = trail.slice(0, -1);
  const smallest = loop.indexOf([...loop].sort()[0] ?? "");
  const rotated = [...loop.slice(smallest), ...loop.slice(0, smallest)];
  return [...rotated, rotated[0]].join(" → ");
}

function repositoryGraph(): ImportGraph {
  const graph = new Map<string, string[]>();
  for (const file of scannedModules()) {
    graph.set(file, relativeImports(file, readFileSync(path.join(root, file), "utf8")));
  }
  return graph;
}

describe("imports", () => {
  it("form no circle in stacks/, infra/, policy/ or tools/", () => {
    const graph = repositoryGraph();
    expect(graph.size).toBeGreaterThan(100);
    expect(graph.get("stacks/platform.ts")).toEqual(expect.arrayContaining(["stacks/compute.ts"]));
    expect(importCycles(graph)).toEqual([]);
  });

  it("reads imports, type-only imports and re-exports, relative ones only", () => {
    const source = [
      'import { a } from "./a.ts";',
      'import type { B } from "../b/b.ts";',
      'export { c } from "./c/index.ts";',
      'import * as pulumi from "@pulumi/pulumi";',
      'import path from "node:path";',
    ].join("\n");
    expect(relativeImports("stacks/x.ts", source)).toEqual([
      "stacks/a.ts",
      "b/b.ts",
      "stacks/c/index.ts",
    ]);
  });

  it("names each circle once, from its smallest module, and ignores edges leaving the graph", () => {
    const graph = new Map([
      ["c.ts", ["a.ts"]],
      ["a.ts", ["b.ts", "node_modules/x.ts"]],
      ["b.ts", ["c.ts", "d.ts"]],
      ["d.ts", ["b.ts"]],
      ["e.ts", ["e.ts"]],
      ["f.ts", ["a.ts"]],
    ]);
    expect(importCycles(graph)).toEqual([
      "a.ts → b.ts → c.ts → a.ts",
      "b.ts → d.ts → b.ts",
      "e.ts → e.ts",
    ]);
    expect(importCycles(new Map([["a.ts", ["b.ts"]]]))).toEqual([]);
  });
});
