// Does io_uring save user CPU per packet on a TUN (issue 13)? One TUN in a namespace of its
// own, 64-byte UDP payloads (112-byte IPv6 packets), root:
//
//   node build/js/bench/uring-tun.js [--packets 100000] [--rounds 3] [--batches 1,2,4,8,32,128] [--flags N]
//
// writes: N packets a batch into the TUN (to a blackhole route in the namespace: the kernel
//   drops them after the route lookup), write(2) one by one (LinuxTun.writeFrame, the data
//   plane's path today) against one io_uring_enter a batch (host/tun/uring.ts);
// reads: the TUN's queue is filled first (UDP from a socket in the namespace to an address
//   routed into the TUN; not measured), then emptied N packets a batch, read(2) until a batch is
//   full or the device is empty against N reads a batch in one io_uring_enter;
// empty: the read a data plane makes when nothing waits (read(2) -> EAGAIN, one ring read).
// Per packet: user and system CPU (process.cpuUsage) and wall time; the read(2)/write(2)
// baseline runs in the same round as the ring, rounds alternate, medians are printed.
import { loadavg } from "node:os";
import { NetScope, ip, ipv6Defaults } from "../host/net/ip.js";
import { inNamespace } from "../host/net/netlink.js";
import { openTun, type LinuxTun } from "../host/tun/linux.js";
import { Uring, RWF_NOWAIT } from "../host/tun/uring.js";
import { libc, addressAt, errno, AF_INET6, MSG_DONTWAIT } from "../host/libc.js";

const args = process.argv.slice(2);
const opt = (name: string, dflt: string) => { const i = args.indexOf(name); return i >= 0 ? args[i + 1]! : dflt; };
const PACKETS = Number(opt("--packets", "100000"));
const ROUNDS = Number(opt("--rounds", "3"));
const BATCHES = opt("--batches", "1,2,4,8,32,128").split(",").map(Number);
/** io_uring_setup flags to try first (e.g. 0x3180: DEFER_TASKRUN | SINGLE_ISSUER | COOP_TASKRUN | SUBMIT_ALL). */
const FLAGS = args.includes("--flags") ? Number(opt("--flags", "0")) : undefined;
/** Packets in the TUN's queue per fill (below its txqueuelen). */
const FILL = 1024;
const STRIDE = 2048, HEADROOM = 128, PAYLOAD = 64, PKT = 40 + 8 + PAYLOAD;
const tag = `ub${process.pid % 10000}`;
const TUN_ADDR = "fd00:75::1", PEER = "fd00:75::2", BLACKHOLE = "fd00:76::/64", SINK = "fd00:76::9";
const SOCK_DGRAM = 2;

interface Cpu { user: number; sys: number; wall: number; packets: number }
const median = (xs: number[]) => { const s = [...xs].sort((a, b) => a - b); const m = s.length >> 1; return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2; };

function measure(fn: () => number): Cpu {
  const c0 = process.cpuUsage(), t0 = process.hrtime.bigint();
  const packets = fn();
  const c = process.cpuUsage(c0), wall = Number(process.hrtime.bigint() - t0) / 1000;
  return { user: c.user, sys: c.system, wall, packets };
}

function addr16(text: string): Uint8Array {
  const [head, tail = ""] = text.split("::");
  const h = head ? head.split(":") : [], t = tail ? tail.split(":") : [];
  const words = [...h, ...new Array(8 - h.length - t.length).fill("0"), ...t];
  const b = new Uint8Array(16);
  words.forEach((w, i) => { const v = parseInt(w, 16); b[i * 2] = v >> 8; b[i * 2 + 1] = v & 0xff; });
  return b;
}

/** An IPv6/UDP packet PEER -> SINK with a 64-byte payload and a right checksum. */
function udpPacket(): Uint8Array {
  const p = new Uint8Array(PKT), v = new DataView(p.buffer);
  v.setUint32(0, 0x60000000); v.setUint16(4, 8 + PAYLOAD); p[6] = 17; p[7] = 64;
  p.set(addr16(PEER), 8); p.set(addr16(SINK), 24);
  v.setUint16(40, 40000); v.setUint16(42, 9); v.setUint16(44, 8 + PAYLOAD);
  p.fill(0x5a, 48);
  let s = 17 + 8 + PAYLOAD;
  for (let i = 8; i < PKT; i += 2) s += (p[i]! << 8) | p[i + 1]!;
  while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
  v.setUint16(46, ~s & 0xffff || 0xffff);
  return p;
}

function sockaddr6(text: string, port: number): Uint8Array {
  const s = new Uint8Array(28), v = new DataView(s.buffer);
  v.setUint16(0, AF_INET6, true); v.setUint16(2, port); s.set(addr16(text), 8);
  return s;
}

class Bench {
  readonly mem = new Uint8Array(new WebAssembly.Memory({ initial: 16 }).buffer);
  readonly ring: Uring;
  private readonly sock: number;
  private readonly to = sockaddr6(PEER, 9);
  private readonly payload = new Uint8Array(PAYLOAD).fill(0x33);

  constructor(readonly tun: LinuxTun, ns: string) {
    this.ring = Uring.open(256, FLAGS);
    const pkt = udpPacket();
    for (let i = 0; i < 256; i++) this.mem.set(pkt, i * STRIDE + HEADROOM);
    this.sock = inNamespace(ns, () => libc.socket(AF_INET6, SOCK_DGRAM, 0));
    if (this.sock < 0) throw new Error(`socket: errno ${errno()}`);
  }

  writeSyscall(batch: number): number {
    const { tun, mem } = this;
    let sent = 0;
    for (let done = 0; done < PACKETS; done += batch) {
      for (let i = 0; i < batch; i++) if (tun.writeFrame(mem, i * STRIDE + HEADROOM, PKT)) sent++;
    }
    return sent;
  }

  writeRing(batch: number): number {
    const { tun, mem, ring } = this;
    let sent = 0;
    for (let done = 0; done < PACKETS; done += batch) {
      for (let i = 0; i < batch; i++) ring.prepWrite(tun.fd, addressAt(mem, i * STRIDE + HEADROOM), PKT, RWF_NOWAIT);
      ring.submit();
      for (let i = 0; i < batch; i++) if (ring.results[i]! > 0) sent++;
    }
    return sent;
  }

  /** Queues up to FILL packets in the TUN (UDP to the peer routed into it); returns how many. */
  fill(): number {
    let n = 0;
    for (let i = 0; i < FILL; i++) if (libc.sendto(this.sock, this.payload, PAYLOAD, MSG_DONTWAIT, this.to, this.to.length) === PAYLOAD) n++;
    return n;
  }

  drain(): void { while (this.tun.readInto(this.mem, 0, STRIDE) > 0); }

  /** Empties the queue with read(2), `batch` packets a batch (a batch ends at EAGAIN). */
  readSyscall(batch: number): number {
    const { tun, mem } = this;
    let got = 0;
    for (;;) {
      let n = 0;
      while (n < batch && tun.readInto(mem, n * STRIDE + HEADROOM, STRIDE - HEADROOM) > 0) n++;
      got += n;
      if (n < batch) return got;
    }
  }

  /** Empties the queue with `batch` ring reads a batch (ends at the first batch not full). */
  readRing(batch: number): number {
    const { tun, mem, ring } = this;
    let got = 0;
    for (;;) {
      for (let i = 0; i < batch; i++) ring.prepRead(tun.fd, addressAt(mem, i * STRIDE + HEADROOM), STRIDE - HEADROOM, RWF_NOWAIT);
      ring.submit();
      let n = 0;
      while (n < batch && ring.results[n]! > 0) n++;
      got += n;
      if (n < batch) return got;
    }
  }

  emptySyscall(): number { for (let i = 0; i < PACKETS; i++) this.tun.readInto(this.mem, HEADROOM, STRIDE - HEADROOM); return PACKETS; }
  emptyRing(): number {
    const { tun, mem, ring } = this;
    for (let i = 0; i < PACKETS; i++) { ring.prepRead(tun.fd, addressAt(mem, HEADROOM), STRIDE - HEADROOM, RWF_NOWAIT); ring.submit(); }
    return PACKETS;
  }

  /** The read side is measured over repeated fills; only the reading is timed. */
  readMeasured(read: () => number): Cpu {
    const total: Cpu = { user: 0, sys: 0, wall: 0, packets: 0 };
    while (total.packets < PACKETS) {
      this.drain();
      if (this.fill() === 0) throw new Error("no packet reached the TUN");
      const c = measure(read);
      total.user += c.user; total.sys += c.sys; total.wall += c.wall; total.packets += c.packets;
    }
    return total;
  }

  close(): void { this.ring.close(); libc.close(this.sock); }
}

async function main(): Promise<void> {
  if (process.getuid?.() !== 0) { console.error("uring-tun needs root (a namespace, a TUN)"); process.exit(1); }
  const scope = new NetScope(tag);
  try {
    const ns = await scope.netns(`fama-${tag}`);
    await ipv6Defaults(ns);
    const tun = await openTun({ name: `${tag}t`, netns: ns, mtu: 1500, txqueuelen: FILL + 512 });
    scope.defer("tun", () => tun.close());
    await ip(["-6", "addr", "add", `${TUN_ADDR}/64`, "dev", tun.name, "nodad"], ns);
    await ip(["-6", "route", "add", "blackhole", BLACKHOLE], ns);
    await new Promise((r) => setTimeout(r, 200));
    const b = new Bench(tun, ns);
    scope.defer("bench", () => b.close());
    const started = new Date().toISOString().slice(11, 19);
    const load0 = loadavg()[0]!.toFixed(2);
    console.log(`uring-tun: ${PACKETS} packets a measurement, ${ROUNDS} rounds; ring flags 0x${b.ring.flags.toString(16)}; ${started} UTC, load ${load0}`);
    type Case = { name: string; base: () => Cpu; ring: () => Cpu };
    const cases: Case[] = [];
    for (const n of BATCHES) cases.push({ name: `write, batch ${n}`, base: () => measure(() => b.writeSyscall(n)), ring: () => measure(() => b.writeRing(n)) });
    for (const n of BATCHES) cases.push({ name: `read, batch ${n}`, base: () => b.readMeasured(() => b.readSyscall(n)), ring: () => b.readMeasured(() => b.readRing(n)) });
    cases.push({ name: "read of an empty TUN", base: () => { b.drain(); return measure(() => b.emptySyscall()); }, ring: () => { b.drain(); return measure(() => b.emptyRing()); } });
    const per = (c: Cpu) => ({ user: (c.user * 1000) / c.packets, sys: (c.sys * 1000) / c.packets, wall: (c.wall * 1000) / c.packets });
    console.log("| case | read/write(2): user / sys / wall ns a packet | io_uring: user / sys / wall ns a packet | ring/syscall user | ring/syscall user+sys |");
    console.log("|---|---|---|---|---|");
    for (const c of cases) {
      c.base(); c.ring(); // warm up (JIT)
      const base: ReturnType<typeof per>[] = [], ring: ReturnType<typeof per>[] = [];
      for (let r = 0; r < ROUNDS; r++) { base.push(per(c.base())); ring.push(per(c.ring())); }
      const m = (xs: ReturnType<typeof per>[], k: "user" | "sys" | "wall") => median(xs.map((x) => x[k]));
      const bu = m(base, "user"), bs = m(base, "sys"), ru = m(ring, "user"), rs = m(ring, "sys");
      const f = (x: number) => x.toFixed(0);
      console.log(`| ${c.name} | ${f(bu)} / ${f(bs)} / ${f(m(base, "wall"))} | ${f(ru)} / ${f(rs)} / ${f(m(ring, "wall"))} | ${(ru / bu).toFixed(2)}x | ${((ru + rs) / (bu + bs)).toFixed(2)}x |`);
    }
    console.log(`(ended ${new Date().toISOString().slice(11, 19)} UTC, load ${loadavg().map((x) => x.toFixed(2)).join(" ")})`);
  } finally {
    await scope.close();
  }
}

await main();
