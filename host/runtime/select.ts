// Which WASI runtime runs the core: `--runtime` on the command line (host/cli.ts calls
// selectRuntime), else FAMA_RUNTIME, else node. Imports nothing heavy: the CLI reads it before
// every command, `fama --version` included.
import { UsageError } from "../errors.js";

export const RUNTIMES = ["node", "wasmtime"] as const;
export type RuntimeName = (typeof RUNTIMES)[number];

let selected: RuntimeName | null = null;

export function parseRuntime(text: string, from = "--runtime"): RuntimeName {
  if ((RUNTIMES as readonly string[]).includes(text)) return text as RuntimeName;
  throw new UsageError(`${from} must be one of ${RUNTIMES.join(", ")}, not '${text}'`);
}

/** Sets the runtime every later loadCore() without an explicit one uses. */
export function selectRuntime(name: RuntimeName): void {
  selected = name;
}

export function currentRuntime(): RuntimeName {
  if (selected) return selected;
  const env = process.env.FAMA_RUNTIME;
  return env ? parseRuntime(env, "FAMA_RUNTIME") : "node";
}
