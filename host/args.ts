// A small, strict option parser for the commands: `--name value`, `--flag`,
// and positionals. Unknown options are errors, never ignored.
import { UsageError } from "./errors.js";

export interface OptionSpec {
  /** Options that take a value, e.g. ["out", "bits"]. */
  values?: string[];
  /** Options that are plain flags, e.g. ["json"]. */
  flags?: string[];
}

export interface ParsedArgs {
  values: Map<string, string>;
  flags: Set<string>;
  positionals: string[];
}

export function parseArgs(args: string[], spec: OptionSpec): ParsedArgs {
  const values = new Map<string, string>();
  const flags = new Set<string>();
  const positionals: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (!arg.startsWith("--") || arg === "--") {
      positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf("=");
    const name = arg.slice(2, eq < 0 ? undefined : eq);
    if (spec.values?.includes(name)) {
      const value = eq < 0 ? args[++i] : arg.slice(eq + 1);
      if (value === undefined) throw new UsageError(`--${name} needs a value`);
      values.set(name, value);
    } else if (spec.flags?.includes(name) && eq < 0) {
      flags.add(name);
    } else {
      throw new UsageError(`unknown option --${name}`);
    }
  }
  return { values, flags, positionals };
}

/** The value of a required option. */
export function required(parsed: ParsedArgs, name: string): string {
  const value = parsed.values.get(name);
  if (value === undefined) throw new UsageError(`--${name} is required`);
  return value;
}

/** An integer option within [min, max]. */
export function intOption(parsed: ParsedArgs, name: string, fallback: number, min: number, max: number): number {
  const text = parsed.values.get(name);
  if (text === undefined) return fallback;
  if (!/^-?\d+$/.test(text)) throw new UsageError(`--${name} must be an integer, not '${text}'`);
  const value = Number(text);
  if (value < min || value > max) throw new UsageError(`--${name} must be between ${min} and ${max}, not ${value}`);
  return value;
}

/**
 * Removes `--name value` / `--name=value` from anywhere in `args` (a global option the CLI
 * handles before the command's own strict parser sees the rest).
 */
export function takeGlobalOption(args: string[], name: string): { value: string | undefined; rest: string[] } {
  const rest: string[] = [];
  let value: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === `--${name}`) {
      value = args[++i];
      if (value === undefined) throw new UsageError(`--${name} needs a value`);
    } else if (arg.startsWith(`--${name}=`)) {
      value = arg.slice(name.length + 3);
    } else {
      rest.push(arg);
    }
  }
  return { value, rest };
}
