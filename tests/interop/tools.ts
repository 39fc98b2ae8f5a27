// Shared plumbing of the interop suites: where the external tools are, running the python
// helpers next to this file, and a scratch directory per run.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { REPO_ROOT } from "../../host/paths.js";

/** Debian's interpreter: scapy 2.5 is installed for it (python3-scapy), not for a pyenv python. */
export const PYTHON = "/usr/bin/python3";
export const TSHARK = "/usr/bin/tshark";
/** The python helpers live beside the TypeScript sources, not in build/. */
export const HELPERS = join(REPO_ROOT, "tests", "interop");

function works(cmd: string, args: string[]): boolean {
  if (!existsSync(cmd)) return false;
  return spawnSync(cmd, args, { encoding: "utf8" }).status === 0;
}

/** A skip reason when a tool is missing (CI installs both: .ci/run), else false. */
export const noScapy: string | false = works(PYTHON, ["-c", "import scapy.layers.inet6"]) ? false : `needs scapy for ${PYTHON}`;
export const noTshark: string | false = works(TSHARK, ["-v"]) ? false : `needs ${TSHARK}`;

/** Runs a helper script and parses its stdout as JSON; throws with its stderr on failure. */
export function runHelper<T>(script: string, args: string[]): T {
  const res = spawnSync(PYTHON, [join(HELPERS, script), ...args], { encoding: "utf8", maxBuffer: 512 << 20 });
  if (res.status !== 0) throw new Error(`${script} ${args.join(" ")} failed (${res.status}):\n${res.stderr}`);
  return JSON.parse(res.stdout) as T;
}

/** Runs a helper script for its side effects (files it writes). */
export function runScript(script: string, args: string[]): void {
  const res = spawnSync(PYTHON, [join(HELPERS, script), ...args], { encoding: "utf8" });
  if (res.status !== 0) throw new Error(`${script} ${args.join(" ")} failed (${res.status}):\n${res.stderr}`);
}

export function scratchDir(prefix: string): { dir: string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), `fama-${prefix}-`));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A seed from the environment (to replay a failure) or a fixed default. */
export function seedFrom(name: string, fallback: number): number {
  const v = process.env[name];
  return v !== undefined && v !== "" ? Number(v) >>> 0 : fallback;
}
