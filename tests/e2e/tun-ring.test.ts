// A TUN's batched I/O (host/tun/ring-io.ts through host/tun/uring.ts) on a real device in a
// namespace of its own that forwards: every packet written into the TUN is routed back out of
// it, so the test reads back what the kernel took, byte for byte (hop limit one less), in
// order. Batched reads take datagrams a socket sent into the TUN, every byte, in order. Also: a
// write to a device that is down is counted by the data-plane loop, not thrown; and with
// io_uring turned off (FAMA_URING=0, what a kernel without it gets) the same batch goes out one
// write(2) a packet and the loop says so once. Root only.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readlinkSync, readFileSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { openTun, type LinuxTun } from "../../host/tun/linux.js";
import { ip, ipv6Defaults, sysctl, type NetScope } from "../../host/net/ip.js";
import { inNamespace } from "../../host/net/netlink.js";
import { libc, AF_INET6, MSG_DONTWAIT } from "../../host/libc.js";
import { Dataplane } from "../../host/dataplane.js";
import { Logger } from "../../host/log.js";
import { ReflectCore } from "../support/reflect-core.js";
import { withNetScope } from "../support/net-scope.js";
import { referenceAddr as addr } from "../support/ipv6-reference.js";

const notRoot = process.getuid?.() !== 0 && "needs root (network namespaces, /dev/net/tun)";
const tag = `fm${process.pid % 100000}`;
const STRIDE = 2048, AT = 128;
const SOCK_DGRAM = 2;

/** IPv6/UDP fd00:77::5 -> fd00:78::(i+1), a payload of `size` bytes numbered i. */
function packet(i: number, size: number): Uint8Array {
  const p = new Uint8Array(48 + size), v = new DataView(p.buffer);
  p[0] = 0x60; v.setUint16(4, 8 + size); p[6] = 17; p[7] = 64;
  p.set(addr("fd00:77::5"), 8); p.set(addr(`fd00:78::${(i + 1).toString(16)}`), 24);
  v.setUint16(40, 5000); v.setUint16(42, 6000); v.setUint16(44, 8 + size);
  for (let k = 0; k < size; k++) p[48 + k] = (i * 7 + k) & 0xff;
  v.setUint32(48, i);
  let s = 17 + 8 + size;
  for (let k = 8; k < p.length; k += 2) s += (p[k]! << 8) | (p[k + 1] ?? 0);
  while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
  v.setUint16(46, ~s & 0xffff || 0xffff);
  return p;
}

/** A forwarding namespace with a TUN whose packets to fd00:78::/64 go back out of it. */
async function loopTun(scope: NetScope, name: string): Promise<{ ns: string; tun: LinuxTun }> {
  const ns = await scope.netns(`${tag}-${name}`);
  await ipv6Defaults(ns, { forwarding: true });
  const tun = await openTun({ name: `${tag}${name}`, netns: ns, mtu: 1500, txqueuelen: 1000 });
  scope.defer("tun", () => tun.close());
  await ip(["-6", "addr", "add", "fd00:77::1/64", "dev", tun.name, "nodad"], ns);
  await ip(["-6", "route", "add", "fd00:78::/64", "dev", tun.name], ns);
  await sysctl(`net.ipv6.conf.${tun.name}.router_solicitations`, 0, ns);
  return { ns, tun };
}

/** Reads what comes back out of the TUN until `n` forwarded UDP packets arrived (5 s at most). */
async function readBack(tun: LinuxTun, n: number): Promise<Uint8Array[]> {
  const got: Uint8Array[] = [];
  const buf = new Uint8Array(4096);
  const deadline = Date.now() + 5000;
  while (got.length < n && Date.now() < deadline) {
    if (!tun.waitReadable(100)) continue;
    for (let len; (len = tun.readInto(buf, 0, 4096)) > 0; ) {
      if (buf[6] === 17 && buf[24] === 0xfd && buf[26] === 0x00 && buf[27] === 0x78) got.push(buf.slice(0, len)); // not RS/MLD
    }
  }
  return got;
}

/** The SQ head of this process's io_uring instances (/proc/self/fdinfo), summed. */
function ringSubmissions(): number {
  let sum = 0;
  for (const fd of readdirSync("/proc/self/fd")) {
    let link = "";
    try { link = readlinkSync(`/proc/self/fd/${fd}`); } catch { continue; }
    if (link !== "anon_inode:[io_uring]") continue;
    const m = /SqHead:\s*(\d+)/.exec(readFileSync(`/proc/self/fdinfo/${fd}`, "utf8"));
    if (m) sum += Number(m[1]);
  }
  return sum;
}

/** Puts packets 0..n-1 into Wasm memory, one a slot, and returns the memory and their places. */
function slots(n: number, size: (i: number) => number) {
  const mem = new Uint8Array(new WebAssembly.Memory({ initial: 16 }).buffer);
  const at = new Int32Array(n), len = new Int32Array(n), sent: Uint8Array[] = [];
  for (let i = 0; i < n; i++) {
    const p = packet(i, size(i));
    mem.set(p, i * STRIDE + AT);
    at[i] = i * STRIDE + AT;
    len[i] = p.length;
    sent.push(p);
  }
  return { mem, at, len, sent };
}

function assertForwarded(got: Uint8Array[], sent: Uint8Array[]): void {
  assert.equal(got.length, sent.length, "every packet came back");
  for (let i = 0; i < sent.length; i++) {
    const want = sent[i]!.slice();
    want[7] = want[7]! - 1; // the forwarding hop
    assert.deepEqual(got[i], want, `packet ${i} intact and in its place`);
  }
}

test("TUN batched writes: one io_uring submission carries the batch, every packet intact and in order", { skip: notRoot, timeout: 30_000 }, () => {
  const names = [`${tag}-rw`];
  return withNetScope("tun-ring", names, async (scope) => {
    const { tun } = await loopTun(scope, "rw");
    assert.equal(tun.enableBatchIo(), null, "io_uring set up (io_uring_disabled is 0 on this kernel)");
    const n = 200;
    const { mem, at, len, sent } = slots(n, (i) => 16 + ((i * 37) % 1200));
    const before = ringSubmissions();
    assert.equal(tun.writeMany(mem, at, len, n, false), n, "all written");
    assert.equal(ringSubmissions() - before, n, "through the ring's submission queue");
    assertForwarded(await readBack(tun, n), sent);

    // a batch below the ring's threshold takes write(2): the ring sees none of it
    const small = slots(3, () => 64);
    const before2 = ringSubmissions();
    assert.equal(tun.writeMany(small.mem, small.at, small.len, 3, false), 3);
    assert.equal(ringSubmissions(), before2, "three packets: write(2) one by one");
    assertForwarded(await readBack(tun, 3), small.sent);
  });
});

/** A UDP socket in `ns` and what it sends to fd00:78::99 port 7000 (routed into the TUN). */
function sender(scope: NetScope, ns: string): (payload: Uint8Array) => void {
  const sock = inNamespace(ns, () => libc.socket(AF_INET6, SOCK_DGRAM, 0));
  scope.defer("socket", () => libc.close(sock));
  const to = new Uint8Array(28);
  new DataView(to.buffer).setUint16(0, AF_INET6, true);
  new DataView(to.buffer).setUint16(2, 7000);
  to.set(addr("fd00:78::99"), 8);
  return (payload) => assert.equal(libc.sendto(sock, payload, payload.length, MSG_DONTWAIT, to, 28), payload.length);
}

test("TUN batched reads: after a batch of 4 or more, one submission takes the queue, every datagram whole and in order", { skip: notRoot, timeout: 30_000 }, () => {
  const names = [`${tag}-rr`];
  return withNetScope("tun-ring", names, async (scope) => {
    const { ns, tun } = await loopTun(scope, "rr");
    assert.equal(tun.enableBatchIo(), null);
    const send = sender(scope, ns);
    const total = 120;
    for (let i = 0; i < total; i++) { const p = new Uint8Array(20 + i * 9).fill(i); new DataView(p.buffer).setUint32(0, i); send(p); }
    assert.ok(tun.waitReadable(1000));
    const mem = new Uint8Array(new WebAssembly.Memory({ initial: 16 }).buffer);
    const lens = new Int32Array(256);
    const payloads: Uint8Array[] = [];
    const take = (n: number) => { for (let i = 0; i < n; i++) { const p = mem.subarray(i * STRIDE + AT, i * STRIDE + AT + lens[i]!); if (p[6] === 17) payloads.push(p.slice(48)); } };
    // a first batch of 10 (read(2): nothing to go by yet), then the rest with the ring
    const first = tun.readMany(mem, AT, STRIDE, 1500, 10, lens);
    assert.equal(first, 10);
    take(first);
    const before = ringSubmissions();
    const rest = tun.readMany(mem, AT, STRIDE, 1500, 256, lens);
    assert.ok(ringSubmissions() - before >= rest - 1, `the ring read ${ringSubmissions() - before} of ${rest}`);
    take(rest);
    assert.equal(tun.readMany(mem, AT, STRIDE, 1500, 256, lens), 0, "empty now");
    assert.equal(payloads.length, total, "every datagram");
    payloads.forEach((p, i) => {
      const want = new Uint8Array(20 + i * 9).fill(i);
      new DataView(want.buffer).setUint32(0, i);
      assert.deepEqual(p, want, `datagram ${i} whole and in its place`);
    });
  });
});

test("TUN batched writes: a device that is down refuses them, the data-plane loop counts them and goes on", { skip: notRoot, timeout: 30_000 }, () => {
  const names = [`${tag}-rd`];
  return withNetScope("tun-ring", names, async (scope) => {
    const { ns, tun } = await loopTun(scope, "rd");
    // packets routed into the TUN by the kernel: UDP from a socket in the namespace
    const send = sender(scope, ns);
    for (let i = 0; i < 16; i++) send(new Uint8Array(64).fill(1));
    assert.ok(tun.waitReadable(1000), "the datagrams reached the TUN");
    // read while the device is up; the hook takes it down before the outputs are written
    const plane = new Dataplane({
      tun, core: new ReflectCore({ mode: "forward" }), tickMs: 0,
      afterBatch: () => { execFileSync("ip", ["-n", ns, "link", "set", tun.name, "down"]); },
    });
    const before = ringSubmissions();
    assert.ok(plane.pump() >= 16, "one batch of the datagrams");
    assert.ok(ringSubmissions() - before >= 16, "written through the ring");
    assert.equal(plane.stats.packetsSent, 0);
    assert.equal(plane.stats.writeFailures, plane.stats.packetsIn, "every refused write counted, nothing thrown");
    assert.equal(tun.writeMany(new Uint8Array(new WebAssembly.Memory({ initial: 1 }).buffer), new Int32Array([0, 100, 200, 300]), new Int32Array([48, 48, 48, 48]), 4, false), 0, "down: none taken");
  });
});

test("TUN batched writes without io_uring (FAMA_URING=0): the loop says so once, and writes one by one", { skip: notRoot, timeout: 30_000 }, () => {
  const names = [`${tag}-rf`];
  return withNetScope("tun-ring", names, async (scope) => {
    const { tun } = await loopTun(scope, "rf");
    const lines: string[] = [];
    const log = new Logger({ format: "json", write: (l) => lines.push(l) });
    const saved = process.env.FAMA_URING;
    process.env.FAMA_URING = "0";
    try {
      new Dataplane({ tun, core: new ReflectCore(), tickMs: 0, log });
      assert.match(tun.enableBatchIo() ?? "", /FAMA_URING=0/, "no ring");
    } finally {
      if (saved === undefined) delete process.env.FAMA_URING; else process.env.FAMA_URING = saved;
    }
    const warned = lines.map((l) => JSON.parse(l) as { event: string; reason: string }).filter((l) => l.event === "dataplane.batch_io_unavailable");
    assert.equal(warned.length, 1, "logged once");
    assert.match(warned[0]!.reason, /turned off/);
    const n = 50;
    const { mem, at, len, sent } = slots(n, (i) => 100 + i);
    const before = ringSubmissions();
    assert.equal(tun.writeMany(mem, at, len, n, false), n);
    assert.equal(ringSubmissions(), before, "no ring involved");
    assertForwarded(await readBack(tun, n), sent);
  });
});
