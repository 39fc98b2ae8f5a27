// npm run bench [SECTION] [--runtime R]: runs every bench/*.bench.ts section (each exports
// `async function run(): Promise<void>`), or those whose name contains SECTION.
import { readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { cpus } from "node:os";
import { takeGlobalOption } from "../host/args.js";
import { currentRuntime, parseRuntime, selectRuntime } from "../host/runtime/select.js";

const here = dirname(fileURLToPath(import.meta.url));
// npm run bench [SECTION] [--runtime node|wasmtime]: the runtime every section's loadCore()
// uses (the runtimes section measures both whatever this says).
const { value: runtime, rest } = takeGlobalOption(process.argv.slice(2), "runtime");
if (runtime !== undefined) selectRuntime(parseRuntime(runtime));
const filter = rest[0] ?? null;
const sections = readdirSync(here)
  .filter((f) => f.endsWith(".bench.js"))
  .map((f) => f.slice(0, -".bench.js".length))
  .filter((name) => filter === null || name.includes(filter))
  .sort();

if (sections.length === 0) {
  console.error(`no bench section matches ${JSON.stringify(filter)}`);
  process.exit(2);
}
console.log(`# fama bench: ${sections.join(", ")}`);
console.log(`node ${process.version}, ${cpus().length} x ${cpus()[0]?.model ?? "?"}; the core under ${currentRuntime()}; medians of alternating runs (shared machine: noisy)`);
let failed = 0;
for (const name of sections) {
  const mod = (await import(pathToFileURL(join(here, `${name}.bench.js`)).href)) as { run?: () => Promise<void> };
  if (typeof mod.run !== "function") {
    console.error(`bench/${name}.bench.ts exports no run()`);
    failed++;
    continue;
  }
  const t0 = process.hrtime.bigint();
  try {
    await mod.run();
  } catch (err) {
    console.error(`section ${name} failed:`, err);
    failed++;
  }
  console.log(`(${name}: ${(Number(process.hrtime.bigint() - t0) / 1e9).toFixed(1)} s)`);
}
process.exit(failed ? 1 : 0);
