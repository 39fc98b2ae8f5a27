// The data-plane loop with TUN offloads, over a DAR core and an in-memory device that frames
// packets as a TUN opened with IFF_VNET_HDR does (VnetFakeTun: a test double of the kernel's
// side, since a real TUN needs root; tests/e2e and the lab run the real one): a super-packet
// read behind small packets ends the batch and comes out as encapsulated segments in order,
// the packets after it wait for the next batch, and tunnelled segments of one flow come out of
// the decapsulation as one coalesced frame (the slots merged away are not written).
import { test } from "node:test";
import assert from "node:assert/strict";
import { FakeTun, fakeTunPair } from "../../host/tun/fake.js";
import { Dataplane } from "../../host/dataplane.js";
import { Offload } from "../../host/offload.js";
import { darWith, ipv6, addr, ANCHOR, HOA, COA, CN } from "../core/forward-helpers.js";

const VNET = 10;

/** Test double: frames carry the 10-byte virtio-net header both ways, as with IFF_VNET_HDR. */
class VnetFakeTun extends FakeTun {
  readonly vnetHdrLen = VNET;
  writeFrame(buf: Uint8Array, offset: number, len: number): boolean { return super.write(buf, offset, len); }
}

function sum16(b: Uint8Array, from: number, to: number, acc = 0): number {
  for (let i = from; i < to; i += 2) acc += (b[i]! << 8) | (i + 1 < to ? b[i + 1]! : 0);
  while (acc > 0xffff) acc = (acc & 0xffff) + (acc >>> 16);
  return acc;
}
/** The TCP checksum over pseudo-header and segment folds to 0xffff when right. */
function tcpChecksumOk(p: Uint8Array): boolean {
  const len = p.length - 40;
  return sum16(p, 40, p.length, sum16(p, 8, 40) + (len >>> 16) + (len & 0xffff) + 6) === 0xffff;
}
/** A TCP/IPv6 packet, 20-byte header, flags ACK, checksum right. */
function tcp6(src: string, dst: string, seq: number, payload: Uint8Array, flags = 0x10): Uint8Array {
  const t = new Uint8Array(20 + payload.length);
  const v = new DataView(t.buffer);
  v.setUint16(0, 40000); v.setUint16(2, 5201); v.setUint32(4, seq); v.setUint32(8, 1); t[12] = 5 << 4; t[13] = flags; v.setUint16(14, 500);
  t.set(payload, 20);
  const p = ipv6(src, dst, { nh: 6, payload: t, hop: 64 });
  const len = t.length;
  new DataView(p.buffer).setUint16(56, ~sum16(p, 40, p.length, sum16(p, 8, 40) + len + 6) & 0xffff);
  return p;
}
const frame = (hdr: Uint8Array, pkt: Uint8Array) => { const f = new Uint8Array(VNET + pkt.length); f.set(hdr); f.set(pkt, VNET); return f; };
const plainHeader = () => new Uint8Array(VNET);
function tsoHeader(gsoSize: number): Uint8Array {
  const h = new Uint8Array(VNET);
  const v = new DataView(h.buffer);
  h[0] = 1; h[1] = 4; v.setUint16(2, 60, true); v.setUint16(4, gsoSize, true); v.setUint16(6, 40, true); v.setUint16(8, 16, true);
  return h;
}

function setup() {
  const dar = darWith([{ hoa: HOA, coa: COA }]);
  const kernel = new VnetFakeTun("kernel", 4096), dev = new VnetFakeTun("tun0", 4096);
  kernel.peer = dev; dev.peer = kernel;
  const offload = new Offload(dar.core, { maxInner: 1460 });
  const plane = new Dataplane({ tun: dev, core: dar, offload, tickMs: 0, now: () => 1000 });
  return { dar, kernel, dev, plane, offload };
}

test("offloads: a super-packet behind small packets ends the batch and leaves as encapsulated segments, in order", () => {
  const { kernel, dev, plane, offload } = setup();
  const small = (i: number) => ipv6(CN, HOA, { payloadLen: 30 + i });
  const data = new Uint8Array(10_000).map((_, i) => (i * 13) & 0xff);
  kernel.write(frame(plainHeader(), small(1)), 0, VNET + small(1).length);
  kernel.write(frame(plainHeader(), small(2)), 0, VNET + small(2).length);
  const sup = tcp6(CN, HOA, 5000, data);
  kernel.write(frame(tsoHeader(1000), sup), 0, VNET + sup.length);
  kernel.write(frame(plainHeader(), small(3)), 0, VNET + small(3).length);
  assert.equal(plane.pump(), 2 + 10, "the batch: two small packets and ten segments");
  assert.equal(dev.pending, 1, "the packet after the super-packet waits for the next batch");
  const out = kernel.drain();
  assert.equal(out.length, 12);
  for (const f of out) {
    assert.deepEqual([...f.subarray(0, VNET)], new Array(VNET).fill(0), "a plain header in front of every output");
    const p = f.subarray(VNET);
    assert.equal(p[6], 41, "encapsulated");
    assert.deepEqual(p.subarray(8, 24), addr(ANCHOR));
    assert.deepEqual(p.subarray(24, 40), addr(COA));
  }
  assert.equal(out[0]!.length, VNET + 40 + small(1).length);
  assert.equal(out[1]!.length, VNET + 40 + small(2).length);
  const got: number[] = [];
  out.slice(2).forEach((f, k) => {
    const inner = f.subarray(VNET + 40);
    const dv = new DataView(inner.buffer, inner.byteOffset);
    assert.equal(dv.getUint32(44), 5000 + k * 1000, `segment ${k} sequence number`);
    assert.equal(dv.getUint16(4), 20 + 1000);
    assert.equal(inner[7], 63, "hop limit decremented");
    assert.ok(tcpChecksumOk(inner), `segment ${k} checksum`);
    got.push(...inner.subarray(60));
  });
  assert.deepEqual(Uint8Array.from(got), data, "the payload, every byte, in order");
  assert.equal(plane.pump(), 1);
  assert.equal(kernel.drain().length, 1);
  const c = offload.counters();
  assert.equal(c["super-in"], 1);
  assert.equal(c["segments-out"], 10);
});

test("offloads: behind a full batch of small packets, a super-packet still finds a slot for every segment", () => {
  const { kernel, plane, offload } = setup();
  const smalls = 250;
  for (let i = 0; i < smalls; i++) { const p = ipv6(CN, HOA, { payloadLen: 20 }); kernel.write(frame(plainHeader(), p), 0, VNET + p.length); }
  const sup = tcp6(CN, HOA, 1, new Uint8Array(1360 * 40).fill(7));
  kernel.write(frame(tsoHeader(1360), sup), 0, VNET + sup.length);
  const first = plane.pump();
  assert.equal(first, 256 - offload.reserve, "the reads leave the reserve free");
  const second = plane.pump();
  assert.equal(first + second, smalls + 40);
  assert.equal(kernel.drain().length, smalls + 40);
  assert.equal(offload.counters()["no-slot"], 0);
  assert.equal(offload.counters()["segments-out"], 40);
});

test("offloads: tunnelled segments of one flow are decapsulated and written as one coalesced frame", () => {
  const { kernel, plane, offload } = setup();
  const MSS = 1200;
  const segs = [0, 1, 2, 3].map((k) => tcp6(HOA, CN, 100 + k * MSS, new Uint8Array(MSS).fill(k + 1)));
  for (const s of segs) {
    const t = ipv6(COA, ANCHOR, { nh: 41, payload: s });
    kernel.write(frame(plainHeader(), t), 0, VNET + t.length);
  }
  assert.equal(plane.pump(), 4);
  const out = kernel.drain();
  assert.equal(out.length, 1, "one write for four segments");
  assert.equal(plane.stats.packetsMerged, 3);
  assert.equal(plane.stats.packetsSent, 1);
  const f = out[0]!;
  assert.equal(f[1], 4, "gso_type TCPV6");
  assert.equal(new DataView(f.buffer, f.byteOffset).getUint16(4, true), MSS, "gso_size");
  const p = f.subarray(VNET);
  assert.equal(new DataView(p.buffer, p.byteOffset).getUint16(4), 20 + 4 * MSS);
  assert.deepEqual([...p.subarray(60)], segs.flatMap((s) => [...s.subarray(60)]));
  assert.equal(offload.counters()["coalesced-out"], 1);
  assert.equal(offload.counters()["coalesced-in"], 3);
});

test("offloads: a Dataplane refuses offload passes for a device without the header", () => {
  const dar = darWith([]);
  const [, dev] = fakeTunPair();
  assert.throws(() => new Dataplane({ tun: dev, core: dar, offload: new Offload(dar.core, { maxInner: 1460 }), tickMs: 0 }), /without offloads/);
});
