// dumpcap on one link of a namespace for a measured window: the kernel's timestamps at the
// link's packet tap, written as classic pcap (-P: host/pcap.ts reads no pcapng), with a small
// snaplen and a BPF filter so that the kernel hands dumpcap only the packets asked for. The
// process and its file go with the lab's scope, also after a failure.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ChildProcess } from "node:child_process";
import type { NetScope } from "../../host/net/ip.js";
import { readPcap, type PcapPacket } from "../../host/pcap.js";

export interface Captured {
  packets: PcapPacket[];
  /** Packets the kernel or dumpcap dropped (dumpcap's closing count), null if it printed none. */
  dropped: number | null;
  /** CPU time dumpcap used (user + system, ms): what the capture itself cost. */
  cpuMs: number;
}

/** dumpcap's read timeout (CAP_READ_TIMEOUT): the kernel hands a block of its capture ring to
 *  dumpcap when the block is full or this long after its first packet; a block still open when
 *  dumpcap stops is lost, so `stop()` first waits this long past the last packet wanted. */
const BLOCK_TIMEOUT_MS = 250;

/** User + system CPU time of a process (ms), from /proc/PID/stat (in USER_HZ ticks, 100 a second). */
function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(f[11]) + Number(f[12])) * 10;
}

export class LinkCapture {
  private stderr = "";
  private constructor(private readonly child: ChildProcess, private readonly dir: string, readonly label: string) {
    child.stderr!.setEncoding("utf8").on("data", (s: string) => { this.stderr += s; });
  }

  /** Starts dumpcap on `iface` in `ns`; resolves once it names its file, which it does after
   *  opening the link and attaching the filter ("Capturing on" comes before either). */
  static async start(scope: NetScope, ns: string, iface: string, filter: string, snaplen = 128): Promise<LinkCapture> {
    const dir = mkdtempSync(join(tmpdir(), "fama-capture-"));
    scope.defer(`capture files ${iface}`, () => rmSync(dir, { recursive: true, force: true }), () => rmSync(dir, { recursive: true, force: true }));
    const child = scope.spawn(ns, "dumpcap", ["-i", iface, "-p", "-P", "-q", "-s", String(snaplen), "-f", filter, "-w", join(dir, "c.pcap")]);
    const c = new LinkCapture(child, dir, `${ns} ${iface}`);
    const end = Date.now() + 10_000;
    while (!c.stderr.includes("File: ")) {
      if (child.exitCode !== null || child.signalCode !== null) throw new Error(`dumpcap on ${c.label} exited (${child.exitCode ?? child.signalCode}): ${c.stderr}`);
      if (Date.now() > end) throw new Error(`dumpcap on ${c.label} did not start within 10 s: ${c.stderr}`);
      await new Promise((r) => setTimeout(r, 10));
    }
    return c;
  }

  /** Stops dumpcap (SIGINT: it writes out what it holds), reads its file and removes it. */
  async stop(): Promise<Captured> {
    await new Promise((r) => setTimeout(r, BLOCK_TIMEOUT_MS + 50));
    const exited = new Promise((r) => this.child.once("exit", r));
    let cpu = NaN;
    if (this.child.exitCode === null && this.child.signalCode === null) {
      cpu = cpuMs(this.child.pid!);
      this.child.kill("SIGINT");
      const t = setTimeout(() => this.child.kill("SIGKILL"), 5000);
      await exited;
      clearTimeout(t);
    }
    if (this.child.exitCode !== 0) throw new Error(`dumpcap on ${this.label} ended with ${this.child.exitCode ?? this.child.signalCode}: ${this.stderr}`);
    const file = join(this.dir, "c.pcap");
    try {
      const m = /received\/dropped on interface '[^']*': \d+\/(\d+)/.exec(this.stderr);
      return { packets: readPcap(file).packets, dropped: m ? Number(m[1]) : null, cpuMs: cpu };
    } finally {
      rmSync(file, { force: true });
    }
  }
}
