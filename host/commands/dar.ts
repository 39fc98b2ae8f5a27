// `fama dar`: the DAR daemon (host/dar/daemon.ts). This module only parses arguments, wires
// signals and maps the outcome to an exit code:
//   SIGTERM / SIGINT  snapshot, remove what was installed, exit 0
//   SIGHUP            reload the config file (a bad one is logged and the old one kept)
//   the TUN fails     clean up, exit 1 (also if the loop ends without a signal)
// Config errors are InputError (exit 1), bad arguments UsageError (exit 2): host/cli.ts.
import { parseArgs, required } from "../args.js";
import { UsageError, InputError } from "../errors.js";
import { loadDarDaemonConfig, type DarDaemonConfig } from "../config/dar.js";
import { loadUciDar } from "../config/uci.js";
import { Logger, takeLogFormat } from "../log.js";
import { DarDaemon } from "../dar/daemon.js";

export const usage = "dar --config DAR.json | --uci FILE [--section NAME] [--log json|text]  run the DAR daemon in this network namespace (root)";

/** The configuration from `--config` (JSON) or `--uci` (a `config dar` section), and how SIGHUP rereads it. */
function loadConfig(opts: ReturnType<typeof parseArgs>): { config: DarDaemonConfig; path: string; reread: (path: string) => DarDaemonConfig } {
  const json = opts.values.get("config");
  const uci = opts.values.get("uci");
  const section = opts.values.get("section");
  if (json !== undefined && uci !== undefined) throw new UsageError("give --config or --uci, not both");
  if (uci === undefined) {
    if (section !== undefined) throw new UsageError("--section goes with --uci");
    const path = required(opts, "config");
    return { config: loadDarDaemonConfig(path), path, reread: loadDarDaemonConfig };
  }
  const read = loadUciDar(uci, section);
  if (!read.enabled) throw new InputError(`${uci}:${read.section.options.get("enabled")!.line}: the 'config dar' section is disabled (option enabled): not starting`);
  return { config: read.config, path: uci, reread: (path) => loadUciDar(path, section).config };
}

export async function run(args: string[]): Promise<number> {
  const { format, rest } = takeLogFormat(args);
  const opts = parseArgs(rest, { values: ["config", "uci", "section"] });
  if (opts.positionals.length) throw new UsageError(`unexpected argument '${opts.positionals[0]}'`);
  const { config, path: configPath, reread } = loadConfig(opts);
  const log = new Logger({ format, base: { role: "dar" } });
  const daemon = new DarDaemon({ config, configPath, loadConfig: reread, log });

  // Signals that arrive while starting are honoured once the start has finished or failed.
  let signalled: NodeJS.Signals | null = null;
  let onSignal: (sig: NodeJS.Signals) => void = (sig) => { signalled ??= sig; };
  const relay = (sig: NodeJS.Signals) => onSignal(sig);
  const hup = () => { daemon.reload(); };
  process.on("SIGTERM", relay);
  process.on("SIGINT", relay);
  process.on("SIGHUP", hup);
  try {
    await daemon.start();
    return await new Promise<number>((resolve) => {
      const finish = (reason: string, code: number) => {
        daemon.stop(reason).then(() => resolve(code), (e: unknown) => {
          log.error("dar.stop_failed", { error: e });
          resolve(1);
        });
      };
      onSignal = (sig) => { signalled ??= sig; log.info("signal", { signal: sig }); finish(sig, 0); };
      daemon.done.then(
        // The loop ends by itself only if the TUN went away under it: a failure.
        () => finish("loop ended", signalled ? 0 : 1),
        (e: unknown) => { log.error("dataplane.failed", { error: e }); finish("data plane failed", 1); },
      );
      if (signalled) onSignal(signalled);
    });
  } catch (e) {
    if (signalled) log.info("signal", { signal: signalled, during: "start" });
    throw e;
  } finally {
    process.off("SIGTERM", relay);
    process.off("SIGINT", relay);
    process.off("SIGHUP", hup);
  }
}
