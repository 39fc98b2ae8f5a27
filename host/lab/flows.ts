// The orchestrator's side of the lab's traffic (host/lab/traffic.ts): starts the endpoint
// processes in their namespaces and talks to them over JSON lines. A Sink in the CN, UDP and
// TCP senders in the MN. Processes are registered with the lab's NetScope, so they are killed
// with the lab whatever happens.
import { fileURLToPath } from "node:url";
import { createInterface } from "node:readline";
import type { ChildProcess } from "node:child_process";
import type { NetScope } from "../net/ip.js";

export const TRAFFIC_JS = fileURLToPath(new URL("./traffic.js", import.meta.url));
export const NODE_ARGS = ["--disable-warning=ExperimentalWarning"];
export const UDP_PORT = 9000;
export const TCP_PORT = 9001;

export type Line = Record<string, unknown>;

/** A child speaking JSON lines: events, and answers to commands sent with an id. */
export class JsonProc {
  readonly lines: Line[] = [];
  readonly stderr: string[] = [];
  private nextId = 1;
  private waiters: { pred: (l: Line) => boolean; resolve: (l: Line) => void; reject: (e: Error) => void }[] = [];
  exited: number | null = null;

  constructor(readonly name: string, readonly child: ChildProcess) {
    createInterface({ input: child.stdout! }).on("line", (text) => {
      let l: Line;
      try { l = JSON.parse(text) as Line; } catch { this.stderr.push(text); return; }
      this.lines.push(l);
      this.waiters = this.waiters.filter((w) => { if (w.pred(l)) { w.resolve(l); return false; } return true; });
    });
    child.stderr?.setEncoding("utf8").on("data", (d: string) => { this.stderr.push(d); if (this.stderr.length > 200) this.stderr.shift(); });
    child.on("exit", (code, sig) => {
      this.exited = code ?? (sig ? 128 : -1);
      const err = new Error(`${name} exited (${code ?? sig}) ${this.stderr.join("").slice(-500)}`);
      for (const w of this.waiters) w.reject(err);
      this.waiters = [];
    });
  }

  static spawn(scope: NetScope, ns: string, name: string, role: string, args: string[]): JsonProc {
    const child = scope.spawn(ns, process.execPath, [...NODE_ARGS, TRAFFIC_JS, role, ...args], { stdio: ["pipe", "pipe", "pipe"] });
    return new JsonProc(name, child);
  }

  /** The first line (already seen or future) matching `pred`. */
  waitFor(pred: (l: Line) => boolean, ms: number, what: string): Promise<Line> {
    const seen = this.lines.find(pred);
    if (seen) return Promise.resolve(seen);
    if (this.exited !== null) return Promise.reject(new Error(`${this.name} exited before ${what}: ${this.stderr.join("").slice(-500)}`));
    return new Promise((resolve, reject) => {
      const w = { pred, resolve: (l: Line) => { clearTimeout(t); resolve(l); }, reject: (e: Error) => { clearTimeout(t); reject(e); } };
      const t = setTimeout(() => { this.waiters = this.waiters.filter((x) => x !== w); reject(new Error(`${this.name}: timed out after ${ms} ms waiting for ${what}`)); }, ms);
      this.waiters.push(w);
    });
  }

  /** Sends a command and waits for its answer. */
  ask(cmd: Line, ms = 5000): Promise<Line> {
    const id = this.nextId++;
    const answer = this.waitFor((l) => l.re === id, ms, `answer to ${JSON.stringify(cmd)}`);
    this.child.stdin!.write(JSON.stringify({ ...cmd, id }) + "\n");
    return answer;
  }

  send(cmd: Line): void { if (this.exited === null) this.child.stdin!.write(JSON.stringify(cmd) + "\n"); }
}

export interface HandoverGap {
  lastBefore: { seq: number; at: number } | null;
  firstAfter: { seq: number; at: number } | null;
  lost: number;
}

export interface TcpResult { id: number; from: string; port: number; bytes: number; intact: boolean; firstMismatch: number; sha256: string; error: string | null }

/** The CN's end: UDP streams counted per flow, TCP streams checked byte by byte. */
export class Sink {
  private constructor(readonly proc: JsonProc) {}
  static async start(scope: NetScope, ns: string): Promise<Sink> {
    const proc = JsonProc.spawn(scope, ns, "sink (CN)", "sink", ["--udp-port", String(UDP_PORT), "--tcp-port", String(TCP_PORT)]);
    await proc.waitFor((l) => l.ev === "ready", 10_000, "sink ready");
    return new Sink(proc);
  }
  async handover(flow: number, downNs: bigint, upNs: bigint): Promise<HandoverGap> {
    return (await this.proc.ask({ cmd: "handover", flow, down: Number(downNs), up: Number(upNs) })) as unknown as HandoverGap;
  }
  /** Polls until a packet of `flow` arrived after `upNs`; null after `timeoutMs`. */
  async firstAfter(flow: number, downNs: bigint, upNs: bigint, timeoutMs: number): Promise<HandoverGap> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const g = await this.handover(flow, downNs, upNs);
      if (g.firstAfter || Date.now() > end) return g;
      await new Promise((r) => setTimeout(r, 5));
    }
  }
  async flow(flow: number): Promise<{ received: number; maxSeq: number; lost: number; duplicates: number; from: string[]; lastAt: number }> {
    return (await this.proc.ask({ cmd: "flow", flow })) as never;
  }
  async tcp(): Promise<{ id: number; from: string; port: number; bytes: number; closed: boolean; intact: boolean; lastAt: number }[]> {
    return ((await this.proc.ask({ cmd: "tcp" })).conns ?? []) as never;
  }
  /** The result of TCP connection from `port` once it closed. */
  async tcpClosed(port: number, timeoutMs: number): Promise<TcpResult> {
    return (await this.proc.waitFor((l) => l.ev === "tcp-closed" && l.port === port, timeoutMs, `TCP connection from port ${port} to close`)) as unknown as TcpResult;
  }
}

/** A paced UDP stream from the MN to the CN. */
export class UdpStream {
  private constructor(readonly proc: JsonProc, readonly flow: number, readonly local: string) {}
  static async start(scope: NetScope, ns: string, o: { to: string; from?: string; flow: number; rate?: number; size?: number }): Promise<UdpStream> {
    const args = ["--to", o.to, "--port", String(UDP_PORT), "--flow", String(o.flow), "--rate", String(o.rate ?? 1000), "--size", String(o.size ?? 64)];
    if (o.from) args.push("--from", o.from);
    const proc = JsonProc.spawn(scope, ns, `udp flow ${o.flow}`, "udp", args);
    const ready = await proc.waitFor((l) => l.ev === "ready", 10_000, "udp sender ready");
    return new UdpStream(proc, o.flow, String(ready.local));
  }
  async stop(): Promise<{ sent: number; errors: number; lastError: string }> {
    this.proc.send({ cmd: "stop" });
    return (await this.proc.waitFor((l) => l.ev === "done", 5000, "udp sender done")) as never;
  }
}

/** A TCP stream of pseudo-random bytes from the MN to the CN. */
export class TcpStream {
  private constructor(readonly proc: JsonProc, readonly local: string, readonly port: number) {}
  static async start(scope: NetScope, ns: string, o: { to: string; from?: string; seed: number; rate?: number; bytes?: number }): Promise<TcpStream> {
    const args = ["--to", o.to, "--port", String(TCP_PORT), "--seed", String(o.seed), "--rate", String(o.rate ?? 0)];
    if (o.from) args.push("--from", o.from);
    if (o.bytes !== undefined) args.push("--bytes", String(o.bytes));
    const proc = JsonProc.spawn(scope, ns, `tcp seed ${o.seed}`, "tcp", args);
    const c = await proc.waitFor((l) => l.ev === "connected", 15_000, "tcp connected");
    return new TcpStream(proc, String(c.local), Number(c.port));
  }
  async sent(): Promise<number> { return Number((await this.proc.ask({ cmd: "stats" })).sent); }
  /** Ends the stream (FIN after every byte); resolves with what the sender sent. */
  async stop(timeoutMs = 30_000): Promise<{ bytesSent: number; sha256: string }> {
    this.proc.send({ cmd: "stop" });
    return this.ended(timeoutMs);
  }
  async ended(timeoutMs: number): Promise<{ bytesSent: number; sha256: string }> {
    return (await this.proc.waitFor((l) => l.ev === "ended" || l.ev === "error", timeoutMs, "tcp stream ended")) as never;
  }
}
