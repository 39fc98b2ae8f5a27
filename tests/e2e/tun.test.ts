// A real TUN device (host/tun/linux.ts) in a fresh network namespace: a UDP datagram sent by a
// socket in the namespace is read from the device; a packet written into the device reaches a
// socket. Everything is removed afterwards (checked). Root only.
import { test } from "node:test";
import assert from "node:assert/strict";
import { once } from "node:events";
import { openTun, type LinuxTun } from "../../host/tun/linux.js";
import { NetScope, addrAdd, linkUp, netnsList, linkNames, netnsExec, ipv6Defaults, routeShow } from "../../host/net/ip.js";
import { formatIPv6 } from "../../host/ipv6.js";
import { referenceAddr as addr } from "../support/ipv6-reference.js";

const notRoot = process.getuid?.() !== 0 && "needs root (network namespaces, /dev/net/tun)";
const PY = "/usr/bin/python3";
const tag = `fm${process.pid % 100000}`;

/** IPv6 + UDP with a correct checksum (the kernel checks it on delivery). */
function udp6(src: string, dst: string, sport: number, dport: number, payload: Uint8Array): Uint8Array {
  const len = 8 + payload.length;
  const p = new Uint8Array(40 + len);
  const dv = new DataView(p.buffer);
  p[0] = 0x60; dv.setUint16(4, len); p[6] = 17; p[7] = 64;
  p.set(addr(src), 8); p.set(addr(dst), 24);
  dv.setUint16(40, sport); dv.setUint16(42, dport); dv.setUint16(44, len);
  p.set(payload, 48);
  let sum = 0;
  const add16 = (b: Uint8Array, at: number, n: number) => { for (let i = 0; i < n; i += 2) sum += (b[at + i]! << 8) | (b[at + i + 1] ?? 0); };
  add16(p, 8, 32); sum += len; sum += 17; add16(p, 40, len);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  const c = ~sum & 0xffff;
  dv.setUint16(46, c === 0 ? 0xffff : c);
  return p;
}

/** Resolves like `p`, or to `fallback` after `ms` (the timer does not keep the process alive). */
function within<T>(p: Promise<T>, ms: number, fallback: T): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<T>((r) => { timer = setTimeout(() => r(fallback), ms); });
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}

test("TUN in a namespace: socket -> device and device -> socket", { skip: notRoot, timeout: 30_000 }, async () => {
  const scope = new NetScope("tun-e2e");
  const ns = `${tag}-tun`;
  const devName = `${tag}t0`;
  let tun: LinuxTun | undefined;
  try {
    await scope.netns(ns);
    await ipv6Defaults(ns);
    await linkUp("lo", ns);
    tun = await openTun({ name: devName, netns: ns, mtu: 1500, txqueuelen: 1000 });
    scope.defer("tun", () => tun?.close());
    assert.equal(tun.name, devName);
    assert.ok((await linkNames(ns)).includes(devName), "device moved into the namespace");
    assert.ok(!(await linkNames()).includes(devName), "and is no longer here");
    await addrAdd(devName, "2001:db8:77::1/64", ns);
    assert.match(await routeShow([], ns), /2001:db8:77::\/64 dev/);

    // 1. A datagram from a socket in the namespace, routed into the device.
    const payload = "hello-from-socket";
    const send = netnsExec(ns, PY, ["-c", `import socket; s=socket.socket(socket.AF_INET6, socket.SOCK_DGRAM); s.sendto(b"${payload}", ("2001:db8:77::5", 9999))`]);
    const buf = new Uint8Array(4096);
    let got: Uint8Array | null = null;
    const deadline = Date.now() + 5000;
    while (!got && Date.now() < deadline) {
      assert.ok(await within(tun.readable(), 5000, false), "device readable");
      for (let n; (n = tun.readInto(buf, 100, 2000)) > 0; ) {
        const p = buf.subarray(100, 100 + n);
        if (p[0]! >> 4 === 6 && p[6] === 17) { got = p.slice(); break; } // skip router solicitations, MLD
      }
    }
    await send;
    assert.ok(got, "UDP packet read from the TUN");
    assert.equal(formatIPv6(got, 24), "2001:db8:77::5");
    assert.equal(formatIPv6(got, 8), "2001:db8:77::1");
    assert.equal((got[42]! << 8) | got[43]!, 9999);
    assert.equal(Buffer.from(got.subarray(48)).toString(), payload);
    assert.equal(tun.readInto(buf, 0, 2000) >= 0, true, "non-blocking read returns");

    // 2. A packet written into the device is delivered to a socket in the namespace.
    const rx = scope.spawn(ns, PY, ["-u", "-c", [
      "import socket,sys",
      "s=socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)",
      "s.bind(('2001:db8:77::1', 9998)); s.settimeout(5)",
      "print('ready', flush=True)",
      "d,a=s.recvfrom(2000); print(d.decode(), a[0], a[1], flush=True)",
    ].join("\n")]);
    let out = "";
    rx.stdout!.setEncoding("utf8");
    rx.stdout!.on("data", (d: string) => { out += d; });
    const deadline2 = Date.now() + 5000;
    while (!out.includes("ready") && Date.now() < deadline2) await new Promise((r) => setTimeout(r, 20));
    assert.match(out, /ready/);
    // Write from a Wasm-memory-sized buffer at an offset, as the data plane does.
    const mem = new Uint8Array(new WebAssembly.Memory({ initial: 1 }).buffer);
    const pkt = udp6("2001:db8:77::5", "2001:db8:77::1", 4444, 9998, Buffer.from("hello-from-tun"));
    mem.set(pkt, 1000);
    assert.equal(tun.write(mem, 1000, pkt.length), true);
    const [code] = (await within(once(rx, "exit"), 6000, [-1])) as [number];
    assert.equal(code, 0, `receiver output: ${out}`);
    assert.match(out, /hello-from-tun 2001:db8:77::5 4444/);
  } finally {
    await scope.close();
  }
  assert.ok(!(await netnsList()).includes(ns), "namespace removed");
  assert.ok(!(await linkNames()).some((l) => l.startsWith(tag)), "no device left behind");
  assert.ok(tun?.closed, "descriptor closed");
});

test("TUN: a name too long fails with a reason", { skip: notRoot }, async () => {
  const { createTun } = await import("../../host/tun/linux.js");
  assert.throws(() => createTun("x".repeat(20)), /too long/);
});

test("TUN: a closed device fails with a reason", { skip: notRoot }, async () => {
  const { createTun } = await import("../../host/tun/linux.js");
  const t = createTun(`${tag}t9`);
  t.close();
  assert.equal(await t.readable(), false);
  assert.throws(() => t.waitReadable(0), /closed/);
});
