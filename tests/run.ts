// The test command: AssemblyScript specs (as-pect) and node:test suites, with one
// closing line `N passed, N failed` for CI (as-pect prints no such line).
//   node build/js/tests/run.js [--only assembly|core|host|interop|e2e] [FILTER]
import { spawnSync } from "node:child_process";
import { readdirSync, statSync, existsSync } from "node:fs";
import { join, dirname, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { run } from "node:test";
import { spec } from "node:test/reporters";

const compiledTests = dirname(fileURLToPath(import.meta.url));
const repo = join(compiledTests, "..", "..", "..");
// The core's node tests (through host/core/), the host's, then outside tools and root labs.
const suites = ["core", "host", "interop", "e2e"];

interface Tally { passed: number; failed: number; skipped: number }

function parseArgs(argv: string[]): { only: string | null; filter: string | null } {
  let only: string | null = null;
  let filter: string | null = null;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "--only") only = argv[++i] ?? null;
    else filter = argv[i];
  }
  return { only, filter };
}

function runAspect(filter: string | null): Tally {
  const args = ["node_modules/@as-pect/cli/bin/asp.js", "--config", "as-pect.config.js"];
  const env = { ...process.env, FORCE_COLOR: "0", FAMA_SPEC_FILTER: filter ?? "" };
  const result = spawnSync(process.execPath, args, { cwd: repo, encoding: "utf8", env });
  const text = (result.stdout ?? "") + (result.stderr ?? "");
  process.stdout.write(text);
  const plain = text.replace(/\x1b\[[0-9;]*m/g, "");
  const summary = /\[Tests\]:\s*(\d+)\s*\/\s*(\d+)/.exec(plain);
  if (!summary) return { passed: 0, failed: 1, skipped: 0 }; // compile error or crash
  const passed = Number(summary[1]);
  const failed = Number(summary[2]) - passed + (result.status === 0 ? 0 : passed === Number(summary[2]) ? 1 : 0);
  return { passed, failed, skipped: 0 };
}

function testFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return testFiles(path);
    return name.endsWith(".test.js") ? [path] : [];
  });
}

async function runNodeTests(files: string[]): Promise<Tally> {
  const tally: Tally = { passed: 0, failed: 0, skipped: 0 };
  if (files.length === 0) return tally;
  const stream = run({ files, concurrency: 1 });
  stream.on("test:pass", (data) => {
    if (data.details.type === "suite") return;
    if (data.skip || data.todo) tally.skipped++;
    else tally.passed++;
  });
  stream.on("test:fail", (data) => {
    if (data.details.type === "suite" && !isFileLevelFailure(data)) return;
    tally.failed++;
  });
  const report = stream.compose(new spec());
  for await (const chunk of report) process.stdout.write(chunk);
  return tally;
}

// A suite fails without failing tests when its file cannot load or a hook throws.
function isFileLevelFailure(data: { details: { error?: unknown } }): boolean {
  const error = data.details.error as { failureType?: string } | undefined;
  return error?.failureType !== "subtestsFailed";
}

async function main(): Promise<void> {
  const { only, filter } = parseArgs(process.argv.slice(2));
  const total: Tally = { passed: 0, failed: 0, skipped: 0 };
  const add = (t: Tally) => { total.passed += t.passed; total.failed += t.failed; total.skipped += t.skipped; };
  if (!only || only === "assembly") add(runAspect(filter));
  const files = suites
    .filter((s) => !only || only === s)
    .flatMap((s) => testFiles(join(compiledTests, s)))
    .filter((f) => !filter || relative(compiledTests, f).includes(filter))
    .sort();
  add(await runNodeTests(files));
  const skipped = total.skipped ? `, ${total.skipped} skipped` : "";
  console.log(`\n${total.passed} passed, ${total.failed} failed${skipped}`);
  process.exitCode = total.failed === 0 && total.passed > 0 ? 0 : 1;
}

await main();
