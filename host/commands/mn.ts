// `fama mn`: the mobile-node agent, and its small client commands.
//   fama mn --config mn.json [--log json|text]   run the agent (host/mn/agent.ts) until SIGTERM/SIGINT;
//                                                SIGHUP reloads the config
//   fama mn keep ADDR   [--socket PATH | --config mn.json]   pin a HoA (never released by the policy)
//   fama mn unkeep ADDR [--socket PATH | --config mn.json]   unpin it
//   fama mn release ADDR [--socket PATH | --config mn.json]  deregister and drop it now
import { parseArgs, required } from "../args.js";
import { InputError, UsageError } from "../errors.js";
import { Logger, takeLogFormat } from "../log.js";
import { loadMnConfig, MN_DEFAULTS } from "../config/mn.js";
import { queryDaemon, NoDaemonError } from "../control/socket.js";

export const usage = "mn --config FILE | mn keep|unkeep|release ADDR [--socket PATH]  the mobile-node agent and its pins";

export async function run(argv: string[]): Promise<number> {
  const { format, rest } = takeLogFormat(argv);
  const sub = rest[0];
  if (sub === "keep" || sub === "unkeep" || sub === "release") return client(sub, rest.slice(1));
  const opts = parseArgs(rest, { values: ["config"] });
  if (opts.positionals.length) throw new UsageError(`unexpected argument '${opts.positionals[0]}' (fama mn --config FILE, or fama mn keep|unkeep|release ADDR)`);
  const path = required(opts, "config");
  const cfg = loadMnConfig(path);
  const log = new Logger({ format, base: { role: "mn" } });
  const { MnAgent } = await import("../mn/agent.js");
  const agent = await MnAgent.start(cfg, { log });
  return await new Promise<number>((resolve) => {
    let stopping = false;
    const stop = (sig: string) => {
      if (stopping) return;
      stopping = true;
      log.info("mn.signal", { signal: sig });
      agent.stop().then(() => resolve(0), (e) => { log.error("mn.stop_failed", { error: e }); resolve(1); });
    };
    process.once("SIGTERM", () => stop("SIGTERM"));
    process.once("SIGINT", () => stop("SIGINT"));
    process.on("SIGHUP", () => {
      try {
        agent.reload(loadMnConfig(path));
      } catch (e) {
        log.error("config.reload_failed", { file: path, error: e });
      }
    });
  });
}

async function client(cmd: "keep" | "unkeep" | "release", args: string[]): Promise<number> {
  const opts = parseArgs(args, { values: ["socket", "config"] });
  if (opts.positionals.length !== 1) throw new UsageError(`fama mn ${cmd} takes one address`);
  const socket = opts.values.get("socket") ?? (opts.values.has("config") ? loadMnConfig(opts.values.get("config")!).socket : MN_DEFAULTS.socket);
  let answer: Record<string, unknown>;
  try {
    answer = await queryDaemon(socket, { cmd, address: opts.positionals[0] });
  } catch (e) {
    if (e instanceof NoDaemonError) throw new InputError(`${e.message} (is fama mn running?)`);
    throw e;
  }
  if (typeof answer.error === "string") throw new InputError(answer.error);
  process.stdout.write(JSON.stringify(answer) + "\n");
  return 0;
}
