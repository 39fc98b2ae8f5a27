// The lab's traffic endpoints, one small Node program run inside a namespace
// (`ip netns exec NS node build/js/host/lab/traffic.js ROLE ...`), so the lab needs no extra
// tools. Every role speaks JSON lines: events on stdout, commands on stdin.
//
//   sink --udp-port P --tcp-port Q           (in the CN) counts UDP streams and checks TCP streams
//   udp  --to A --port P [--from H] --flow F [--rate PPS] [--size BYTES]
//                                            (in the MN) a paced UDP stream with sequence numbers
//   tcp  --to A --port Q [--from H] --seed S [--rate BYTES/S] [--bytes N]
//                                            (in the MN) a pseudo-random byte stream over TCP
//
// Times are process.hrtime (CLOCK_MONOTONIC, nanoseconds), which every namespace of one host
// shares, so the orchestrator compares them with its own: a packet's arrival time at the CN
// against the moment the orchestrator set the MN's link up.
//
// UDP datagram: "FAMU" flow:u32 seq:u32 0:u32 sentNs:u64 (big-endian), padded to --size.
// TCP stream: "FAMT" seed:u32, then the xorshift32 byte stream of that seed (PrngStream); the
// sink regenerates it and compares every byte, so "intact" means every byte arrived in order.
import dgram from "node:dgram";
import net from "node:net";
import { createHash } from "node:crypto";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

export const UDP_MAGIC = 0x46414d55; // "FAMU"
export const TCP_MAGIC = 0x46414d54; // "FAMT"
export const UDP_HEADER = 24;

const nowNs = () => process.hrtime.bigint();
const emit = (o: Record<string, unknown>) => process.stdout.write(JSON.stringify(o, (_k, v) => (typeof v === "bigint" ? v.toString() : v)) + "\n");

/** A deterministic byte stream (xorshift32 words, little-endian), readable in any chunk sizes. */
export class PrngStream {
  private state: number;
  private buf = Buffer.alloc(0);
  private pos = 0;
  constructor(seed: number) { this.state = (seed >>> 0) || 0x9e3779b9; }
  take(n: number): Buffer {
    const out = Buffer.allocUnsafe(n);
    let o = 0;
    while (o < n) {
      if (this.pos >= this.buf.length) this.refill();
      const k = Math.min(n - o, this.buf.length - this.pos);
      this.buf.copy(out, o, this.pos, this.pos + k);
      this.pos += k;
      o += k;
    }
    return out;
  }
  private refill(): void {
    const words = new Uint32Array(16384);
    let x = this.state;
    for (let i = 0; i < words.length; i++) {
      x ^= x << 13; x >>>= 0;
      x ^= x >>> 17;
      x ^= x << 5; x >>>= 0;
      words[i] = x;
    }
    this.state = x;
    this.buf = Buffer.from(words.buffer);
    this.pos = 0;
  }
}

function options(argv: string[]): Map<string, string> {
  const m = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (!a.startsWith("--")) throw new Error(`unexpected argument ${a}`);
    m.set(a.slice(2), argv[++i] ?? "");
  }
  return m;
}
const num = (m: Map<string, string>, k: string, d: number) => (m.has(k) ? Number(m.get(k)) : d);

function commands(handler: (cmd: Record<string, unknown>) => Record<string, unknown> | void, onEnd?: () => void): void {
  const rl = createInterface({ input: process.stdin });
  rl.on("line", (line) => {
    let cmd: Record<string, unknown>;
    try { cmd = JSON.parse(line) as Record<string, unknown>; } catch { cmd = { cmd: line.trim() }; }
    const answer = handler(cmd);
    if (answer) emit({ re: cmd.id ?? null, ...answer });
  });
  rl.on("close", () => onEnd?.());
}

// ---------------------------------------------------------------------------------------------
// sink

interface UdpFlow {
  /** arrival time (ns, as a double) per sequence number; 0: not received */
  at: Float64Array;
  received: number;
  duplicates: number;
  maxSeq: number;
  from: Set<string>;
  lastAt: number;
}

interface TcpConn {
  id: number;
  from: string;
  port: number;
  bytes: number;
  seed: number | null;
  firstMismatch: number;
  hash: ReturnType<typeof createHash>;
  openedAt: number;
  lastAt: number;
  closed: boolean;
  error: string | null;
}

function sink(o: Map<string, string>): void {
  const flows = new Map<number, UdpFlow>();
  const conns: TcpConn[] = [];
  const udp = dgram.createSocket({ type: "udp6", recvBufferSize: 4 << 20 });
  udp.on("message", (msg, rinfo) => {
    const t = Number(nowNs());
    if (msg.length < UDP_HEADER || msg.readUInt32BE(0) !== UDP_MAGIC) return;
    const id = msg.readUInt32BE(4);
    const seq = msg.readUInt32BE(8);
    let f = flows.get(id);
    if (!f) { f = { at: new Float64Array(1 << 16), received: 0, duplicates: 0, maxSeq: -1, from: new Set(), lastAt: 0 }; flows.set(id, f); }
    if (seq >= f.at.length) {
      if (seq > 1 << 26) return;
      let n = f.at.length;
      while (n <= seq) n *= 2;
      const bigger = new Float64Array(n);
      bigger.set(f.at);
      f.at = bigger;
    }
    if (f.at[seq] !== 0) { f.duplicates++; return; }
    f.at[seq] = t;
    f.received++;
    f.lastAt = t;
    if (seq > f.maxSeq) f.maxSeq = seq;
    f.from.add(rinfo.address);
  });
  const tcp = net.createServer((s) => {
    const c: TcpConn = { id: conns.length + 1, from: s.remoteAddress ?? "?", port: s.remotePort ?? 0, bytes: 0, seed: null, firstMismatch: -1, hash: createHash("sha256"), openedAt: Number(nowNs()), lastAt: 0, closed: false, error: null };
    conns.push(c);
    emit({ ev: "tcp-open", id: c.id, from: c.from, port: c.port });
    let head = Buffer.alloc(0);
    let prng: PrngStream | null = null;
    s.on("data", (d: Buffer) => {
      c.lastAt = Number(nowNs());
      if (!prng) {
        head = Buffer.concat([head, d]);
        if (head.length < 8) return;
        if (head.readUInt32BE(0) !== TCP_MAGIC) { c.error = "bad stream header"; c.firstMismatch = 0; s.destroy(); return; }
        c.seed = head.readUInt32BE(4);
        prng = new PrngStream(c.seed);
        d = head.subarray(8);
      }
      c.hash.update(d);
      const expect = prng.take(d.length);
      if (c.firstMismatch < 0 && !expect.equals(d)) {
        let i = 0;
        while (expect[i] === d[i]) i++;
        c.firstMismatch = c.bytes + i;
      }
      c.bytes += d.length;
    });
    const done = (error: string | null) => {
      if (c.closed) return;
      c.closed = true;
      c.error ??= error;
      emit({ ev: "tcp-closed", id: c.id, from: c.from, port: c.port, bytes: c.bytes, intact: c.firstMismatch < 0 && c.error === null, firstMismatch: c.firstMismatch, sha256: c.hash.digest("hex"), error: c.error });
    };
    s.on("end", () => { s.end(); done(null); });
    s.on("error", (e) => done(e.message));
    s.on("close", () => done("closed without FIN"));
  });
  let bound = 0;
  const ready = () => { if (++bound === 2) emit({ ev: "ready", pid: process.pid }); };
  udp.bind(num(o, "udp-port", 9000), "::", ready);
  tcp.listen(num(o, "tcp-port", 9001), "::", ready);

  /** The last packet that arrived before `down` and the first that arrived after `up`. */
  const handover = (f: UdpFlow, down: number, up: number) => {
    let lastBefore: { seq: number; at: number } | null = null;
    let firstAfter: { seq: number; at: number } | null = null;
    for (let s = 0; s <= f.maxSeq; s++) {
      const at = f.at[s]!;
      if (at === 0) continue;
      if (at < down && (!lastBefore || s > lastBefore.seq)) lastBefore = { seq: s, at };
      if (at >= up && (!firstAfter || at < firstAfter.at)) firstAfter = { seq: s, at };
    }
    let lost = 0;
    if (firstAfter) for (let s = (lastBefore?.seq ?? -1) + 1; s < firstAfter.seq; s++) if (f.at[s] === 0) lost++;
    return { lastBefore, firstAfter, lost };
  };

  commands((cmd) => {
    switch (cmd.cmd) {
      case "handover": {
        const f = flows.get(Number(cmd.flow));
        if (!f) return { error: "no such flow" };
        return handover(f, Number(cmd.down), Number(cmd.up));
      }
      case "flow": {
        const f = flows.get(Number(cmd.flow));
        if (!f) return { received: 0, maxSeq: -1, lost: 0, duplicates: 0, from: [], lastAt: 0 };
        return { received: f.received, maxSeq: f.maxSeq, lost: f.maxSeq + 1 - f.received, duplicates: f.duplicates, from: [...f.from], lastAt: f.lastAt };
      }
      case "tcp":
        return { conns: conns.map((c) => ({ id: c.id, from: c.from, port: c.port, bytes: c.bytes, closed: c.closed, intact: c.firstMismatch < 0 && c.error === null, lastAt: c.lastAt })) };
      default:
        return { error: `unknown command ${JSON.stringify(cmd.cmd)}` };
    }
  }, () => process.exit(0));
}

// ---------------------------------------------------------------------------------------------
// udp sender

function udpSender(o: Map<string, string>): void {
  const to = o.get("to")!;
  const port = num(o, "port", 9000);
  const flow = num(o, "flow", 1);
  const rate = num(o, "rate", 1000);
  const size = Math.max(UDP_HEADER, num(o, "size", 64));
  const s = dgram.createSocket({ type: "udp6", sendBufferSize: 1 << 20 });
  let sent = 0;
  let errors = 0;
  let lastError = "";
  let timer: NodeJS.Timeout | null = null;
  const start = () => {
    emit({ ev: "ready", local: s.address().address, port: s.address().port });
    const t0 = nowNs();
    const perNs = rate / 1e9;
    timer = setInterval(() => {
      const due = Math.floor(Number(nowNs() - t0) * perNs);
      // after a stall, send at most 50 ms worth at once
      if (due - sent > rate / 20) sent = due - Math.ceil(rate / 20);
      while (sent < due) {
        const b = Buffer.alloc(size);
        b.writeUInt32BE(UDP_MAGIC, 0);
        b.writeUInt32BE(flow, 4);
        b.writeUInt32BE(sent, 8);
        b.writeBigUInt64BE(nowNs(), 16);
        sent++;
        s.send(b, port, to, (err) => { if (err) { errors++; lastError = err.message; } });
      }
    }, 1);
  };
  s.on("error", (e) => { errors++; lastError = e.message; });
  s.bind({ port: 0, address: o.get("from") ?? "::" }, start);
  const stop = () => {
    if (timer) clearInterval(timer);
    timer = null;
    setTimeout(() => { emit({ ev: "done", sent, errors, lastError }); process.exit(0); }, 20);
  };
  commands((cmd) => {
    if (cmd.cmd === "stop") stop();
    else if (cmd.cmd === "stats") return { sent, errors, lastError };
  }, stop);
}

// ---------------------------------------------------------------------------------------------
// tcp sender

function tcpSender(o: Map<string, string>): void {
  const seed = num(o, "seed", 1) >>> 0;
  const rate = num(o, "rate", 0); // bytes/s; 0: as fast as the socket takes it
  const total = num(o, "bytes", Infinity);
  const prng = new PrngStream(seed);
  const hash = createHash("sha256");
  let sent = 0;
  let ending = false;
  let timer: NodeJS.Timeout | null = null;
  const s = net.connect({ host: o.get("to")!, port: num(o, "port", 9001), localAddress: o.get("from") });
  s.setNoDelay(true);
  const finish = () => {
    if (ending) return;
    ending = true;
    if (timer) clearInterval(timer);
    s.end(() => emit({ ev: "ended", bytesSent: sent, sha256: hash.copy().digest("hex") }));
  };
  const write = (n: number): boolean => {
    n = Math.min(n, total - sent);
    if (n <= 0) { finish(); return false; }
    const chunk = prng.take(n);
    hash.update(chunk);
    sent += n;
    return s.write(chunk);
  };
  s.on("connect", () => {
    emit({ ev: "connected", local: s.localAddress, port: s.localPort, t: nowNs() });
    const head = Buffer.alloc(8);
    head.writeUInt32BE(TCP_MAGIC, 0);
    head.writeUInt32BE(seed, 4);
    s.write(head);
    if (rate > 0) {
      const tick = 20;
      timer = setInterval(() => { if (!s.writableNeedDrain) write(Math.ceil((rate * tick) / 1000)); }, tick);
    } else {
      const pump = () => { while (!ending && write(64 * 1024)); };
      s.on("drain", pump);
      pump();
    }
  });
  s.on("error", (e) => { emit({ ev: "error", error: e.message, bytesSent: sent }); process.exit(1); });
  s.on("close", () => { emit({ ev: "closed", bytesSent: sent, sha256: hash.digest("hex") }); process.exit(0); });
  commands((cmd) => {
    if (cmd.cmd === "stop") finish();
    else if (cmd.cmd === "stats") return { sent, queued: s.writableLength };
  }, finish);
}

// ---------------------------------------------------------------------------------------------

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const [role, ...rest] = process.argv.slice(2);
  const o = options(rest);
  if (role === "sink") sink(o);
  else if (role === "udp") udpSender(o);
  else if (role === "tcp") tcpSender(o);
  else { process.stderr.write("usage: traffic.js sink|udp|tcp [--options]\n"); process.exit(2); }
}
