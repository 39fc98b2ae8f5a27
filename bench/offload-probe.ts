// What this kernel does with TCP super-packets written to a TUN that has offloads, so that the
// design of docs/OFFLOAD.md can be checked on any machine (root):
//
//   node build/js/bench/offload-probe.js
//
// Two namespaces: P holds a TUN opened with IFF_VNET_HDR + TSO6 (host/tun/linux.ts) and
// forwards to Q over a veth pair. The probe writes into the TUN, each with a virtio-net header
// asking the kernel to segment (gso_type TCPV6, gso_size 1000, checksum partial), a 10-segment
// TCP super-packet (a) plain, as the MN's local delivery and the DAR's path to the CN write
// it, and (b) inside an IPv6-in-IPv6 header, as the DAR's path to the MN would if it left the
// segmentation to the kernel; then (c) the same ten segments encapsulated one by one, plain
// headers; and (d) the plain super-packet again, now to a destination whose route in P is a
// kernel IPv6-in-IPv6 encapsulation (SRv6 encap.red, one segment: outer Next Header 41, the
// lab's kernel tunnel) towards Q: the kernel encapsulating a GSO packet itself, the next step
// docs/OFFLOAD.md weighs. It prints what reached Q's veth (packets, bytes) and what the kernel
// counted as dropped. The headers here are built by hand: this is a probe of the kernel, not a data path
// (there, every virtio-net header is parsed and written in the core, assembly/offload/).
import { NetScope, ip, ipv6Defaults, netnsExec } from "../host/net/ip.js";
import { openTun } from "../host/tun/linux.js";

const SEGMENTS = 10;
const MSS = 1000;
const tag = `i13p${process.pid % 10000}`;
const P_ADDR = "2001:db8:f0::1", Q_ADDR = "2001:db8:f0::2", INNER_SRC = "2001:db8:f1::5", INNER_DST = "2001:db8:f2::9";
/** Routed in P through the kernel's own IPv6-in-IPv6 encapsulation (case d). */
const SEG6_DST = "2001:db8:f3::9";

function addr(text: string): Buffer {
  const [head, tail = ""] = text.split("::");
  const h = head ? head.split(":") : [], t = tail ? tail.split(":") : [];
  const words = [...h, ...new Array(8 - h.length - t.length).fill("0"), ...t];
  const b = Buffer.alloc(16);
  words.forEach((w, i) => b.writeUInt16BE(parseInt(w, 16), i * 2));
  return b;
}
function sum16(b: Uint8Array, acc = 0): number {
  for (let i = 0; i < b.length; i += 2) acc += (b[i]! << 8) | (b[i + 1] ?? 0);
  while (acc > 0xffff) acc = (acc & 0xffff) + (acc >>> 16);
  return acc;
}
function ipv6(src: string, dst: string, nh: number, payloadLen: number): Buffer {
  const h = Buffer.alloc(40);
  h.writeUInt32BE(0x60000000, 0); h.writeUInt16BE(payloadLen, 4); h[6] = nh; h[7] = 64;
  addr(src).copy(h, 8); addr(dst).copy(h, 24);
  return h;
}
/** A TCP packet of `segments` x MSS payload bytes, its checksum field the pseudo-header sum (partial). */
function tcpSuper(segments: number, seq: number, dst = INNER_DST): Buffer {
  const payload = Buffer.alloc(segments * MSS, 0x5a);
  const tcp = Buffer.alloc(20);
  tcp.writeUInt16BE(40000, 0); tcp.writeUInt16BE(9, 2); tcp.writeUInt32BE(seq, 4); tcp.writeUInt32BE(1, 8);
  tcp[12] = 5 << 4; tcp[13] = 0x10; tcp.writeUInt16BE(1000, 14);
  const len = 20 + payload.length;
  const pseudo = Buffer.concat([addr(INNER_SRC), addr(dst), Buffer.from([0, 0, len >> 8, len & 0xff, 0, 0, 0, 6])]);
  tcp.writeUInt16BE(sum16(pseudo), 16);
  return Buffer.concat([ipv6(INNER_SRC, dst, 6, len), tcp, payload]);
}
function vnetHeader(gso: boolean, csumStart: number, hdrLen: number): Buffer {
  const h = Buffer.alloc(10);
  if (!gso) return h;
  h[0] = 1; h[1] = 4; h.writeUInt16LE(hdrLen, 2); h.writeUInt16LE(MSS, 4); h.writeUInt16LE(csumStart, 6); h.writeUInt16LE(16, 8);
  return h;
}
const encap = (inner: Buffer) => Buffer.concat([ipv6(P_ADDR, Q_ADDR, 41, inner.length), inner]);

async function stats(ns: string, dev: string): Promise<{ rxPackets: number; rxBytes: number; dropped: number }> {
  const { stdout } = await ip(["-s", "-j", "link", "show", "dev", dev], ns);
  const s = JSON.parse(stdout)[0].stats64;
  return { rxPackets: s.rx.packets, rxBytes: s.rx.bytes, dropped: s.rx.dropped + s.tx.dropped };
}

async function main(): Promise<void> {
  if (process.getuid?.() !== 0) { console.log("offload probe: needs root (namespaces, TUN)"); process.exitCode = 1; return; }
  const scope = new NetScope(tag);
  try {
    const p = await scope.netns(`${tag}-p`), q = await scope.netns(`${tag}-q`);
    await ipv6Defaults(p, { forwarding: true });
    await ipv6Defaults(q);
    await scope.veth(`${tag}a`, `${tag}b`, { nsA: p, nsB: q });
    await ip(["addr", "add", `${P_ADDR}/64`, "dev", `${tag}a`, "nodad"], p);
    await ip(["link", "set", `${tag}a`, "up"], p);
    await ip(["addr", "add", `${Q_ADDR}/64`, "dev", `${tag}b`, "nodad"], q);
    await ip(["link", "set", `${tag}b`, "up"], q);
    await ip(["-6", "route", "add", "2001:db8:f2::/64", "via", Q_ADDR], p);
    await netnsExec(p, "sysctl", ["-qw", "net.ipv6.conf.all.seg6_enabled=1"]);
    await ip(["sr", "tunsrc", "set", P_ADDR], p);
    await ip(["-6", "route", "add", "2001:db8:f3::/64", "encap", "seg6", "mode", "encap.red", "segs", Q_ADDR, "dev", `${tag}a`], p);
    const tun = await openTun({ name: `${tag}t`, netns: p, mtu: 1500, offload: true });
    scope.defer("tun", () => tun.close());
    console.log(`kernel ${(await netnsExec(p, "uname", ["-r"])).stdout.trim()}; TUN with offloads: ${tun.vnetHdrLen > 0 ? "yes" : `no (${tun.offloadError})`}`);
    if (tun.vnetHdrLen === 0) return;
    await new Promise((r) => setTimeout(r, 300));
    const plain = tcpSuper(SEGMENTS, 1);
    const cases: [string, Buffer[]][] = [
      ["(a) plain TCP super-packet, GSO header", [Buffer.concat([vnetHeader(true, 40, 60), plain])]],
      ["(b) IPv6-in-IPv6 around a TCP super-packet, GSO header", [Buffer.concat([vnetHeader(true, 80, 100), encap(plain)])]],
      ["(c) the ten segments encapsulated one by one, plain headers", Array.from({ length: SEGMENTS }, (_, k) => {
        const s = tcpSuper(1, 1 + k * MSS);
        const t = s.subarray(40);
        t.writeUInt16BE(0, 16);
        const len = t.length;
        const pseudo = Buffer.concat([addr(INNER_SRC), addr(INNER_DST), Buffer.from([0, 0, len >> 8, len & 0xff, 0, 0, 0, 6])]);
        t.writeUInt16BE(~sum16(t, sum16(pseudo)) & 0xffff, 16);
        return Buffer.concat([vnetHeader(false, 0, 0), encap(s)]);
      })],
      ["(d) plain TCP super-packet, GSO header, routed into the kernel's IPv6-in-IPv6 encapsulation", [Buffer.concat([vnetHeader(true, 40, 60), tcpSuper(SEGMENTS, 1, SEG6_DST)])]],
    ];
    console.log("| written into the TUN | accepted by write(2) | reached the next veth | packets | bytes | dropped (P's veth) |\n|---|---|---|---|---|---|");
    for (const [name, frames] of cases) {
      const q0 = await stats(q, `${tag}b`), p0 = await stats(p, `${tag}a`);
      let ok = 0;
      for (const f of frames) if (tun.writeFrame(f, 0, f.length)) ok++;
      await new Promise((r) => setTimeout(r, 300));
      const q1 = await stats(q, `${tag}b`), p1 = await stats(p, `${tag}a`);
      const got = q1.rxBytes - q0.rxBytes;
      console.log(`| ${name} | ${ok}/${frames.length} | ${got > 0 ? "yes" : "NO"} | ${q1.rxPackets - q0.rxPackets} | ${got} | ${p1.dropped - p0.dropped} |`);
    }
  } finally {
    await scope.close();
  }
}

await main();
