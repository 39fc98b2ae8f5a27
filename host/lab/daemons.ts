// `fama dar` and `fama mn` as separate processes of the lab (`ip netns exec NS node cli.js ...`):
// their output goes to a log file in the lab's directory and is parsed as JSON log lines
// (they run with `--log json`), so the lab can wait for events (`dar.started`, `attached`,
// `bound`...) and print the tail of a log when something fails.
import { createWriteStream, type WriteStream } from "node:fs";
import { fileURLToPath } from "node:url";
import { createInterface } from "node:readline";
import type { ChildProcess } from "node:child_process";
import type { NetScope } from "../net/ip.js";
import { queryDaemon } from "../control/socket.js";
import { currentRuntime } from "../runtime/select.js";
import { DAR_NODE_FLAGS } from "../dar/node-flags.js";

export const CLI_JS = fileURLToPath(new URL("../cli.js", import.meta.url));
/** The program a daemon runs by default: this checkout's CLI under this node. */
export const CHECKOUT_FAMA = [process.execPath, "--disable-warning=ExperimentalWarning", CLI_JS];
/** A DAR under this checkout's CLI, with the node options the OpenWrt service gives it. */
export const CHECKOUT_FAMA_DAR = [process.execPath, ...DAR_NODE_FLAGS, "--disable-warning=ExperimentalWarning", CLI_JS];

export type LogLine = Record<string, unknown>;

export class DaemonProc {
  child!: ChildProcess;
  readonly lines: LogLine[] = [];
  readonly raw: string[] = [];
  private out!: WriteStream;
  private waiters: { pred: (l: LogLine) => boolean; resolve: (l: LogLine) => void; reject: (e: Error) => void }[] = [];
  exit: { code: number | null; signal: string | null } | null = null;
  private exited!: Promise<void>;

  /** `program`: the command line before `args` (e.g. an installed package's /usr/bin/fama). */
  constructor(readonly name: string, readonly ns: string, readonly args: string[], readonly logPath: string, readonly socket: string, readonly program: string[] = CHECKOUT_FAMA) {}

  /** Starts (or restarts) the process; its log file is appended to. */
  start(scope: NetScope): void {
    this.exit = null;
    this.out = createWriteStream(this.logPath, { flags: "a" });
    this.out.write(`# ${new Date().toISOString()} start: ${this.args.join(" ")}\n`);
    // The daemons run the core under the lab's own runtime (`fama lab --runtime wasmtime`).
    this.child = scope.spawn(this.ns, this.program[0]!, [...this.program.slice(1), ...this.args, "--log", "json", "--runtime", currentRuntime()]);
    const onLine = (text: string) => {
      this.out.write(text + "\n");
      this.raw.push(text);
      if (this.raw.length > 2000) this.raw.splice(0, 1000);
      let l: LogLine;
      try { l = JSON.parse(text) as LogLine; } catch { return; }
      this.lines.push(l);
      this.waiters = this.waiters.filter((w) => { if (w.pred(l)) { w.resolve(l); return false; } return true; });
    };
    createInterface({ input: this.child.stdout! }).on("line", onLine);
    createInterface({ input: this.child.stderr! }).on("line", onLine);
    const child = this.child;
    this.exited = new Promise((resolve) => child.once("exit", (code, signal) => {
      this.exit = { code, signal };
      this.out.write(`# exit ${code ?? signal}\n`);
      const err = new Error(`${this.name} exited (${code ?? signal})\n${this.tail(20)}`);
      for (const w of this.waiters) w.reject(err);
      this.waiters = [];
      resolve();
    }));
  }

  get running(): boolean { return this.exit === null && !!this.child; }
  get pid(): number { return this.child.pid ?? 0; }

  /** The first log line from index `from` on matching `pred` (already logged or future). */
  waitFor(pred: (l: LogLine) => boolean, ms: number, what: string, from = 0): Promise<LogLine> {
    const seen = this.lines.slice(from).find(pred);
    if (seen) return Promise.resolve(seen);
    if (!this.running) return Promise.reject(new Error(`${this.name} is not running (waiting for ${what})\n${this.tail(20)}`));
    return new Promise((resolve, reject) => {
      const w = { pred, resolve: (l: LogLine) => { clearTimeout(t); resolve(l); }, reject: (e: Error) => { clearTimeout(t); reject(e); } };
      const t = setTimeout(() => { this.waiters = this.waiters.filter((x) => x !== w); reject(new Error(`${this.name}: timed out after ${ms} ms waiting for ${what}\n${this.tail(20)}`)); }, ms);
      this.waiters.push(w);
    });
  }

  /** Waits until the daemon answers `ping` on its control socket. */
  async ready(ms: number): Promise<void> {
    const end = Date.now() + ms;
    for (;;) {
      if (!this.running) throw new Error(`${this.name} exited during start (${this.exit?.code ?? this.exit?.signal})\n${this.tail(30)}`);
      try {
        const a = await queryDaemon(this.socket, { cmd: "ping" }, 500);
        if (a.ok === true) return;
      } catch { /* not yet */ }
      if (Date.now() > end) throw new Error(`${this.name} did not answer on ${this.socket} within ${ms} ms\n${this.tail(30)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  status(): Promise<Record<string, unknown>> { return queryDaemon(this.socket, { cmd: "status" }, 3000); }

  /** Sends `signal` and waits for the exit (SIGKILL after `ms`). */
  async stop(signal: NodeJS.Signals = "SIGTERM", ms = 10_000): Promise<{ code: number | null; signal: string | null }> {
    if (!this.child) return { code: 0, signal: null };
    if (this.running) {
      this.child.kill(signal);
      const t = setTimeout(() => { if (this.running) this.child.kill("SIGKILL"); }, ms);
      await this.exited;
      clearTimeout(t);
    }
    await this.exited;
    if (!this.out.writableEnded) await new Promise<void>((r) => this.out.end(r));
    return this.exit!;
  }

  tail(n: number): string {
    return `--- ${this.name} (${this.logPath}), last ${Math.min(n, this.raw.length)} lines:\n${this.raw.slice(-n).join("\n")}`;
  }
}
