// bench/load/transit.ts: the DAR transit time of the load bench's data probe, on a synthetic
// capture of both links (the probe's own packets, cut at the bench's snaplen, written and read
// back as Ethernet pcap); and its capture filters, compiled by dumpcap, test the probe's offsets.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { DataProbe } from "../../bench/load/data.js";
import { matchTransit, probeNumber, TRANSIT_FILTERS } from "../../bench/load/transit.js";
import { percentile } from "../../bench/load/percentile.js";
import { encodePcap, readPcap, LINKTYPE_ETHERNET } from "../../host/pcap.js";
import type { Wire } from "../../bench/load/wire.js";

const SNAPLEN = 128;
const HOA = "2001:db8:1::1234";

/** The probe's first `n` packets, as DataProbe writes them into the CN's TUN. */
function probePackets(n: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  const wire = { sendFromCn: (p: Uint8Array) => { out.push(p.slice()); return true; } } as unknown as Wire;
  const s = new DataProbe([HOA]).stream(wire, 1000);
  for (let i = 0; i < n; i++) s.sendOne(i);
  return out;
}

/** The DAR's encapsulation of `inner` (outer IPv6, Next Header 41, no extension headers). */
function tunnelled(inner: Uint8Array): Uint8Array {
  const p = new Uint8Array(40 + inner.length);
  p[0] = 0x60; p[4] = inner.length >> 8; p[5] = inner.length & 0xff; p[6] = 41; p[7] = 64;
  p.set(inner, 40);
  return p;
}

const ether = (ip: Uint8Array) => new Uint8Array([...new Array(12).fill(0x02), 0x86, 0xdd, ...ip]).subarray(0, SNAPLEN);

/** A capture file of `ip` packets at the given µs times (since an arbitrary second), read back. */
function captured(packets: { ip: Uint8Array; us: number }[]) {
  const file = encodePcap(packets.map((p) => ({ tsSec: 1_800_000_000 + Math.floor(p.us / 1e6), tsUsec: p.us % 1e6, data: ether(p.ip) })), LINKTYPE_ETHERNET);
  return readPcap(file).packets;
}

test("probe packets in and out are matched by number: transit times, losses, strays and other traffic", () => {
  const probe = probePackets(6);
  const notProbe = probe[0]!.slice();
  notProbe[48] ^= 0xff; // the magic broken: some other UDP to port 9
  const bu = probe[0]!.slice();
  bu[6] = 135; // a Mobility Header packet (the flood's BAs leave on the same link)
  // packet 0 crosses a second boundary; 1 and 2 leave in the other order; 4 never leaves; 5 is
  // seen only leaving (it arrived before the capture began); packet 3 arrives twice (first counts)
  const arriving = captured([
    { ip: probe[0]!, us: 999_950 }, { ip: probe[1]!, us: 1_000_100 }, { ip: probe[2]!, us: 1_000_120 },
    { ip: notProbe, us: 1_000_130 }, { ip: probe[3]!, us: 1_000_200 }, { ip: probe[3]!, us: 1_000_300 }, { ip: probe[4]!, us: 1_000_400 },
  ]);
  const leaving = captured([
    { ip: tunnelled(probe[5]!), us: 999_900 }, { ip: tunnelled(probe[0]!), us: 1_000_050 }, { ip: bu, us: 1_000_060 },
    { ip: tunnelled(probe[2]!), us: 1_000_150 }, { ip: tunnelled(probe[1]!), us: 1_001_100 }, { ip: tunnelled(notProbe), us: 1_001_200 },
    { ip: probe[3]!, us: 1_001_250 }, // not tunnelled: not a leaving probe packet
    { ip: tunnelled(probe[3]!), us: 1_002_200 },
  ]);
  const t = matchTransit(arriving, leaving);
  assert.deepEqual([...t.sorted], [30, 100, 1000, 2000]);
  assert.equal(t.inOnly, 1, "packet 4 arrived and did not leave");
  assert.equal(t.outOnly, 1, "packet 5 left without being seen arriving");
  assert.equal(percentile(t.sorted, 0.5), 100);
  assert.equal(percentile(t.sorted, 0.99), 2000);
});

test("one capture holding both directions (the DAR's TUN): plain probe packets in, tunnelled out", () => {
  const probe = probePackets(3);
  const tun = captured([
    { ip: probe[0]!, us: 10 }, { ip: probe[1]!, us: 20 }, { ip: tunnelled(probe[0]!), us: 55 },
    { ip: probe[2]!, us: 60 }, { ip: tunnelled(probe[2]!), us: 61 }, { ip: tunnelled(probe[1]!), us: 420 },
  ]);
  const t = matchTransit(tun, tun);
  assert.deepEqual([...t.sorted], [1, 45, 400]);
  assert.deepEqual([t.inOnly, t.outOnly], [0, 0]);
});

test("the probe's number survives the bench's snaplen in both places", () => {
  const [p] = probePackets(1);
  const seq = new DataView(p!.buffer).getUint32(52);
  assert.equal(probeNumber(ether(p!).subarray(14), 0), seq);
  assert.equal(probeNumber(ether(tunnelled(p!)).subarray(14), 40), seq);
  assert.equal(probeNumber(ether(tunnelled(p!)).subarray(14, 14 + 40 + 55), 40), -1, "cut before the number's end");
});

test("nearest-rank percentiles; none without samples", () => {
  const s = Float64Array.from({ length: 100 }, (_, i) => i + 1);
  assert.equal(percentile(s, 0.5), 50);
  assert.equal(percentile(s, 0.99), 99);
  assert.equal(percentile(s, 1), 100);
  assert.equal(percentile(s, 0), 1);
  assert.ok(Number.isNaN(percentile(new Float64Array(0), 0.5)));
});

const dumpcapCompiles = spawnSync("dumpcap", ["-d", "-i", "lo", "-f", "ip6"], { encoding: "utf8" }).status === 0;

test("the capture filters compile and test the magic where an Ethernet frame holds it", { skip: !dumpcapCompiles && "needs dumpcap allowed to open lo (Debian package wireshark-common, as root)" }, () => {
  // Ethernet header 14 bytes; the magic at 48 of the probe packet, itself at 0 or (tunnelled) 40
  for (const [filter, at] of [[TRANSIT_FILTERS.fromCn, 14 + 48], [TRANSIT_FILTERS.tunnelled, 14 + 40 + 48]] as const) {
    const r = spawnSync("dumpcap", ["-d", "-i", "lo", "-f", filter], { encoding: "utf8" });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`ld\\s+\\[${at}\\]\\s*\\n\\(\\d+\\) jeq\\s+#0x66616d61`), r.stdout);
  }
});
