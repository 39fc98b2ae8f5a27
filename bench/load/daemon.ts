// The real `fama dar` in the load lab's DAR namespace: its config file, start, status over the
// control socket, resident memory; the lab's scope kills it at the end.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { ChildProcess } from "node:child_process";
import { queryDaemon } from "../../host/control/socket.js";
import type { LoadNet } from "./net.js";
import { LOAD_PLAN } from "./net.js";
import { DAR_NODE_FLAGS } from "../../host/dar/node-flags.js";

const CLI = fileURLToPath(new URL("../../host/cli.js", import.meta.url));
/** The daemon's data TUN in the DAR namespace. */
export const DAR_TUN = "fama0";

export interface DarStatus {
  pid: number;
  bindingsTotal: number;
  bindings: { hoa: string; coa: string; seq: number; hasPhkt: boolean }[];
  counters: Record<string, number>;
  /** With an admission policy: its state (sightings held, bindings in probation ...). */
  admission?: { mode: string; sightings: number; sightingsCapacity: number; probation: number; deferred: number; feed?: Record<string, number> | null };
  /** The data TUN's loop: packets read from it (`packetsIn`) and written. */
  dataplane?: { packetsIn: number; packetsSent: number; writeFailures: number } | null;
  /** The signalling TUN's: packets read from it, and the kernel's drops at its full queue. */
  signalling?: { tun: string; packetsIn: number; packetsSent: number; kernelDrops: number | null } | null;
  /** The daemon's process.memoryUsage() plus the core's linear memory (bytes). */
  memory?: { rss: number; heapTotal: number; heapUsed: number; external: number; arrayBuffers: number; coreLinear: number };
}

export class LoadDar {
  private log = "";
  private constructor(readonly child: ChildProcess, readonly ns: string, readonly dir: string, readonly socket: string, readonly configPath: string) {}

  /** Starts `fama dar` with the lab's anchor and prefix plus `extra` config keys, under node with
   *  `nodeArgs` (default: the options the OpenWrt service uses); resolves once it logged dar.started. */
  static async start(net: LoadNet, extra: Record<string, unknown> = {}, opts: { stateDir?: string; nodeArgs?: readonly string[]; startTimeoutMs?: number } = {}): Promise<LoadDar> {
    const dir = mkdtempSync(join(tmpdir(), "fama-load-"));
    net.scope.defer("dar files", () => rmSync(dir, { recursive: true, force: true }));
    const socket = join(dir, "dar.sock");
    const configPath = join(dir, "dar.json");
    writeFileSync(configPath, JSON.stringify({
      anchor: LOAD_PLAN.anchor, prefixes: [LOAD_PLAN.prefix], tun: DAR_TUN, stateDir: opts.stateDir ?? join(dir, "state"), socket,
      maxLifetime: 3600, ...extra,
    }));
    const child = net.scope.spawn(net.ns.dar, process.execPath, [...(opts.nodeArgs ?? DAR_NODE_FLAGS), "--disable-warning=ExperimentalWarning", CLI, "dar", "--config", configPath, "--log", "json"]);
    const d = new LoadDar(child, net.ns.dar, dir, socket, configPath);
    child.stdout!.setEncoding("utf8").on("data", (s: string) => { d.append(s); });
    child.stderr!.setEncoding("utf8").on("data", (s: string) => { d.append(s); });
    const timeoutMs = opts.startTimeoutMs ?? 60_000;
    const end = Date.now() + timeoutMs;
    while (!d.log.includes("\"dar.started\"")) {
      if (child.exitCode !== null || child.signalCode !== null) throw new Error(`fama dar exited (${child.exitCode ?? child.signalCode}):\n${d.log}`);
      if (Date.now() > end) throw new Error(`fama dar did not start within ${timeoutMs / 1000} s:\n${d.log}`);
      await new Promise((r) => setTimeout(r, 25));
    }
    return d;
  }

  /** Keeps the last 64 kB of the daemon's log (a storm logs one line per binding). */
  private append(s: string): void {
    this.log += s;
    if (this.log.length > 128 * 1024) this.log = this.log.slice(-64 * 1024);
  }

  get alive(): boolean { return this.child.exitCode === null && this.child.signalCode === null; }

  async status(limit = 0): Promise<DarStatus> {
    return (await queryDaemon(this.socket, { cmd: "status", limit }, 15_000)) as unknown as DarStatus;
  }

  /** Resident set size of the daemon process (node included), bytes. `ip netns exec` execs
   *  node in place, so the child's pid is the daemon's. */
  rss(pid = this.child.pid!): number {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) * 1024 : NaN;
  }

  /** The daemon's memory split (bytes): anonymous (heap, Wasm memory) and file pages (the node
   *  binary, shared with every other node process), and its proportional set size. */
  memory(pid = this.child.pid!): { rss: number; anon: number; file: number; pss: number } {
    const st = readFileSync(`/proc/${pid}/status`, "utf8");
    const roll = readFileSync(`/proc/${pid}/smaps_rollup`, "utf8");
    const kb = (text: string, key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, "m").exec(text)?.[1] ?? NaN) * 1024;
    return { rss: kb(st, "VmRSS"), anon: kb(st, "RssAnon"), file: kb(st, "RssFile"), pss: kb(roll, "Pss") };
  }
}
