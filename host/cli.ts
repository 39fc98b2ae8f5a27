#!/usr/bin/env -S node --disable-warning=ExperimentalWarning
// fama's entry point: parses the command name and hands the rest to one module in
// host/commands/. Each command module exports `run(args): Promise<number>` (the
// exit code) and `usage` (one line for `fama --help`).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { UsageError } from "./errors.js";
import { REPO_ROOT } from "./paths.js";
import { takeGlobalOption } from "./args.js";
import { parseRuntime, selectRuntime } from "./runtime/select.js";

interface CommandModule {
  run(args: string[]): Promise<number>;
  usage: string;
}

const commands: Record<string, () => Promise<CommandModule>> = {
  keygen: () => import("./commands/keygen.js"),
  cga: () => import("./commands/cga.js"),
  decode: () => import("./commands/decode.js"),
  replay: () => import("./commands/replay.js"),
  mn: () => import("./commands/mn.js"),
  dar: () => import("./commands/dar.js"),
  status: () => import("./commands/status.js"),
  lab: () => import("./commands/lab.js"),
  bench: () => import("./commands/bench.js"),
  sim: () => import("./commands/sim.js"),
};

async function help(): Promise<void> {
  const lines = ["usage: fama <command> [options] [--runtime node|wasmtime] | fama --version", "", "commands:"];
  for (const [name, load] of Object.entries(commands)) {
    try {
      lines.push(`  ${(await load()).usage}`);
    } catch {
      // a command whose module is not built in this tree is not listed
    }
  }
  console.log(lines.join("\n"));
}

async function main(argv: string[]): Promise<number> {
  // --runtime node|wasmtime (any command, any position): which WASI runtime runs the core.
  const runtime = takeGlobalOption(argv, "runtime");
  if (runtime.value !== undefined) selectRuntime(parseRuntime(runtime.value));
  const [name, ...args] = runtime.rest;
  if (!name || name === "--help" || name === "-h" || name === "help") {
    await help();
    return name ? 0 : 2;
  }
  if (name === "--version") {
    // package.json sits at the root of a checkout and of the installed package (/usr/lib/fama).
    const { version } = JSON.parse(readFileSync(join(REPO_ROOT, "package.json"), "utf8")) as { version: string };
    console.log(`fama ${version}`);
    return 0;
  }
  const load = commands[name];
  if (!load) throw new UsageError(`unknown command '${name}' (see fama --help)`);
  return (await load()).run(args);
}

main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (err: unknown) => {
    if (err instanceof UsageError) {
      console.error(`fama: ${err.message}`);
      process.exitCode = 2;
    } else {
      console.error(`fama: ${err instanceof Error ? err.message : String(err)}`);
      if (process.env.FAMA_DEBUG && err instanceof Error) console.error(err.stack);
      process.exitCode = 1;
    }
  },
);
