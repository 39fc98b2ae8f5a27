// `fama bench [SECTION...]`: the in-process benchmarks (no namespaces, no iperf3), so they also
// run on a router from the installed package. Each section is bench/<name>.bench.ts compiled
// beside the host (build/js/bench/ in a checkout, /usr/lib/fama/build/js/bench/ in the package),
// run through bench/run.js exactly as `npm run bench SECTION` runs it, so the tables are the same.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { UsageError, InputError } from "../errors.js";
import { currentRuntime } from "../runtime/select.js";

/** The sections that need nothing but the process itself (e2e needs namespaces and iperf3). */
export const IN_PROCESS_SECTIONS = ["forward", "dar", "crypto", "cga", "mh"];
const BENCH_DIR = fileURLToPath(new URL("../../bench/", import.meta.url));

export const usage = `bench [SECTION...]  in-process benchmarks (${IN_PROCESS_SECTIONS.join(", ")}; default all), the tables of npm run bench`;

export async function run(args: string[]): Promise<number> {
  const unknown = args.filter((a) => !IN_PROCESS_SECTIONS.includes(a));
  if (unknown.length) throw new UsageError(`unknown bench section '${unknown[0]}' (sections: ${IN_PROCESS_SECTIONS.join(", ")})`);
  const runner = `${BENCH_DIR}run.js`;
  if (!existsSync(runner)) throw new InputError(`the benchmarks are not installed (${runner} is missing)`);
  let failed = 0;
  for (const section of args.length ? args : IN_PROCESS_SECTIONS) {
    // The sections run the core under this command's runtime (`fama bench --runtime wasmtime`).
    const r = spawnSync(process.execPath, ["--disable-warning=ExperimentalWarning", runner, section, "--runtime", currentRuntime()], { stdio: "inherit" });
    if (r.status !== 0) failed++;
  }
  return failed ? 1 : 0;
}
