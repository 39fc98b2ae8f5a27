// The core's import graph (assembly/**/*.ts) has no cycle: every area builds on the ones
// below it (wire <- mh, cga <- batch <- dar, mn), so a file can be read, tested and moved
// without dragging its importers along.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { REPO_ROOT } from "../../host/paths.js";

const ASSEMBLY = join(REPO_ROOT, "assembly");

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return sources(p);
    return name.endsWith(".ts") ? [p] : [];
  });
}

/** Relative imports and re-exports of a file, as absolute .ts paths. */
export function importsOf(file: string, text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(/^\s*(?:import|export)\s[^;]*?\sfrom\s+"(\.{1,2}\/[^"]+)"/gms)) {
    out.push(resolve(dirname(file), `${m[1]}.ts`));
  }
  return out;
}

/** The first cycle found in a graph (file -> imported files), as a path, or null. */
export function findCycle(graph: Map<string, string[]>): string[] | null {
  const state = new Map<string, "open" | "done">();
  const stack: string[] = [];
  const visit = (n: string): string[] | null => {
    if (state.get(n) === "done") return null;
    if (state.get(n) === "open") return [...stack.slice(stack.indexOf(n)), n];
    state.set(n, "open");
    stack.push(n);
    for (const m of graph.get(n) ?? []) {
      const c = visit(m);
      if (c) return c;
    }
    stack.pop();
    state.set(n, "done");
    return null;
  };
  for (const n of graph.keys()) {
    const c = visit(n);
    if (c) return c;
  }
  return null;
}

function coreGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const f of sources(ASSEMBLY)) graph.set(f, importsOf(f, readFileSync(f, "utf8")));
  return graph;
}

test("assembly imports: every relative import names a file of the core", () => {
  const graph = coreGraph();
  assert.ok(graph.size > 40, `read ${graph.size} files`);
  const missing = [...graph].flatMap(([f, deps]) => deps.filter((d) => !graph.has(d)).map((d) => `${relative(ASSEMBLY, f)} -> ${relative(ASSEMBLY, d)}`));
  assert.deepEqual(missing, []);
});

test("assembly imports: no cycle", () => {
  const cycle = findCycle(coreGraph());
  assert.equal(cycle && cycle.map((f) => relative(ASSEMBLY, f)).join(" -> "), null);
});

test("assembly imports: the checker finds a cycle in a graph that has one", () => {
  const g = new Map([["a", ["b"]], ["b", ["c"]], ["c", ["a"]], ["d", ["a"]]]);
  assert.deepEqual(findCycle(g), ["a", "b", "c", "a"]);
  assert.equal(findCycle(new Map([["a", ["b"]], ["b", []], ["c", ["a", "b"]]])), null);
  assert.deepEqual(importsOf("/x/dar/a.ts", 'import {\n  p,\n  q,\n} from "./b";\nexport { r } from "../wire/c";\nimport { s } from "@scope/pkg";'), ["/x/dar/b.ts", "/x/wire/c.ts"]);
});
