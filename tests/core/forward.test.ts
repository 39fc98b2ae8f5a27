// The DAR data plane through the batch ABI (PROTOCOL.md §2.5): the replay vectors'
// data packets (bindings restored from a snapshot instead of the BA exchange, which is
// the control plane's), encapsulation fields, decapsulation and spoofing, ICMPv6 errors.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { readPcap } from "../../host/pcap.js";
import { formatIPv6 } from "../../host/ipv6.js";
import { VECTORS_DIR } from "../../host/paths.js";
import type { DarConfig } from "../../host/config/dar.js";
import { darWith, ipv6, runOne, icmpChecksum, addr, vectorConfig, ANCHOR, HOA, COA, CN } from "./forward-helpers.js";

type Expect = Record<string, unknown> & { in: number; kind: string };

function replayDataPackets(name: string, firstData: number, bound: boolean) {
  const dar = darWith(bound ? [{ hoa: HOA, coa: COA }] : [], { config: name });
  const pcap = readPcap(join(VECTORS_DIR, "dar", `${name}.in.pcap`));
  const expect: Expect[] = JSON.parse(readFileSync(join(VECTORS_DIR, "dar", `${name}.expect.json`), "utf8"));
  for (const e of expect.filter((x) => x.in >= firstData)) {
    const p = pcap.packets[e.in];
    const out = runOne(dar, p.data, p.tsSec * 1000 + p.tsUsec / 1000);
    if (e.kind === "none") {
      assert.equal(out, null, `packet ${e.in} must give nothing (${e.note ?? ""})`);
      continue;
    }
    assert.ok(out, `packet ${e.in} (${e.kind}) gave nothing: ${dar.reasonName(0)}`);
    if (e.kind === "encap") {
      assert.equal(out[6], 41);
      assert.equal(formatIPv6(out, 8), e.outerSrc);
      assert.equal(formatIPv6(out, 24), e.outerDst);
      assert.equal(out[7], e.outerHopLimit);
      assert.equal(((out[0] & 0xf) << 4) | (out[1] >> 4), e.trafficClass);
      assert.equal((out[4] << 8) | out[5], p.data.length);
      assert.equal(formatIPv6(out, 48), e.innerSrc);
      assert.equal(formatIPv6(out, 64), e.innerDst);
      assert.equal(out[47], e.innerHopLimit);
      assert.deepEqual(out.subarray(48), Uint8Array.from(p.data.subarray(8)), "inner packet otherwise unchanged");
    } else if (e.kind === "decap") {
      assert.equal(formatIPv6(out, 8), e.innerSrc);
      assert.equal(formatIPv6(out, 24), e.innerDst);
      assert.equal(out[7], e.hopLimit);
      assert.equal(out.length, p.data.length - 40);
    } else if (e.kind === "PTB") {
      assert.equal(out[40], 2);
      assert.equal(formatIPv6(out, 8), ANCHOR);
      assert.equal(formatIPv6(out, 24), e.dst);
      assert.equal(new DataView(out.buffer).getUint32(44), e.mtu);
      assert.equal(out.length, 1280, "as much of the packet as fits in 1280 bytes");
      assert.equal(icmpChecksum(out), 0);
    } else if (e.kind === "echo-reply") {
      assert.equal(out[40], 129);
      assert.equal(formatIPv6(out, 8), e.src);
      assert.equal(formatIPv6(out, 24), e.dst);
      assert.equal(icmpChecksum(out), 0);
    } else {
      assert.fail(`unexpected kind ${e.kind}`);
    }
  }
  return dar;
}

test("vector data-after-accept: encap, decap, unbound inner source dropped", () => {
  const dar = replayDataPackets("data-after-accept", 1, true);
  assert.equal(dar.counter("tunnel-unbound"), 1n);
  const [b] = dar.bindings();
  assert.equal(b.pktsToMn, 1n);
  assert.equal(b.bytesToMn, 120n);
  assert.equal(b.pktsFromMn, 1n);
  assert.equal(b.bytesFromMn, 108n);
});

test("vector ptb: Packet Too Big for 1500 bytes, 1460 bytes tunnelled", () => {
  const dar = replayDataPackets("ptb", 1, true);
  assert.equal(dar.counter("too-big"), 1n);
  assert.equal(dar.counter("too-big-sent"), 1n);
});

test("vector echo-to-anchor", () => {
  replayDataPackets("echo-to-anchor", 0, false);
});

test("vector unbound-data: nothing emitted, counted", () => {
  const dar = replayDataPackets("unbound-data", 0, false);
  assert.equal(dar.counter("unbound"), 1n);
  assert.equal(dar.counter("tunnel-unbound"), 1n);
});

test("encapsulation: outer header byte for byte, written in the headroom", () => {
  const dar = darWith([{ hoa: HOA, coa: COA }]);
  const inner = ipv6(CN, HOA, { hop: 10, tc: 0xb8, flow: 0x12345, payloadLen: 100 });
  dar.setPacket(0, inner);
  assert.equal(dar.process(1, 1), 1);
  assert.equal(dar.outOffset(0), dar.headroom - 40);
  const out = dar.output(0);
  assert.equal(out.length, 180);
  assert.equal(out[0] >> 4, 6);
  assert.equal(((out[0] & 0xf) << 4) | (out[1] >> 4), 0xb8);
  const flow = ((out[1] & 0xf) << 16) | (out[2] << 8) | out[3];
  assert.notEqual(flow, 0);
  assert.deepEqual([...out.subarray(4, 8)], [0, 140, 41, 64]);
  assert.deepEqual(out.subarray(8, 24), addr(ANCHOR));
  assert.deepEqual(out.subarray(24, 40), addr(COA));
  const expectedInner = inner.slice();
  expectedInner[7] = 9;
  assert.deepEqual(out.subarray(40), expectedInner);
  // Same flow, same label; another flow label, (almost surely) another outer label.
  dar.setPacket(0, inner);
  dar.process(1, 2);
  assert.equal(((dar.output(0)[1] & 0xf) << 16) | (dar.output(0)[2] << 8) | dar.output(0)[3], flow);
  dar.setPacket(0, ipv6(CN, HOA, { hop: 10, tc: 0xb8, flow: 0x12346, payloadLen: 100 }));
  dar.process(1, 3);
  assert.notEqual(((dar.output(0)[1] & 0xf) << 16) | (dar.output(0)[2] << 8) | dar.output(0)[3], flow);
});

test("decapsulation requires the binding's CoA as outer source", () => {
  const other = "2001:db8:300::7";
  const dar = darWith([{ hoa: HOA, coa: COA }]);
  const inner = ipv6(HOA, CN, { hop: 30 });
  const ok = runOne(dar, ipv6(COA, ANCHOR, { nh: 41, payload: inner }));
  assert.ok(ok);
  assert.equal(dar.outOffset(0), dar.headroom + 40);
  const expected = inner.slice();
  expected[7] = 29;
  assert.deepEqual(ok, expected);
  assert.equal(runOne(dar, ipv6(other, ANCHOR, { nh: 41, payload: inner })), null);
  assert.equal(dar.reasonName(0), "spoofed");
  assert.equal(runOne(dar, ipv6(COA, ANCHOR, { nh: 41, payload: ipv6(other, CN) })), null);
  assert.equal(dar.reasonName(0), "tunnel-unbound");
  const truncated = ipv6(COA, ANCHOR, { nh: 41, payload: inner.subarray(0, 50) });
  assert.equal(runOne(dar, truncated), null);
  assert.equal(dar.reasonName(0), "malformed");
});

test("hop limit 1 towards the MN: Time Exceeded to the source with the original packet", () => {
  const dar = darWith([{ hoa: HOA, coa: COA }]);
  const pkt = ipv6(CN, HOA, { hop: 1, payloadLen: 60 });
  const out = runOne(dar, pkt);
  assert.ok(out);
  assert.equal(dar.outOffset(0), dar.headroom - 48);
  assert.deepEqual([...out.subarray(0, 8)], [0x60, 0, 0, 0, 0, 8 + pkt.length, 58, 64]);
  assert.deepEqual(out.subarray(8, 24), addr(ANCHOR));
  assert.deepEqual(out.subarray(24, 40), addr(CN));
  assert.deepEqual([...out.subarray(40, 41)], [3]);
  assert.equal(out[41], 0);
  assert.deepEqual([...out.subarray(44, 48)], [0, 0, 0, 0]);
  assert.deepEqual(out.subarray(48), pkt);
  assert.equal(icmpChecksum(out), 0);
  assert.equal(dar.counter("hop-limit"), 1n);
  // Decapsulation path: inner hop limit 1.
  const t = runOne(dar, ipv6(COA, ANCHOR, { nh: 41, payload: ipv6(HOA, CN, { hop: 1 }) }));
  assert.ok(t);
  assert.equal(t[40], 3);
  assert.deepEqual(t.subarray(24, 40), addr(HOA));
  assert.equal(icmpChecksum(t), 0);
});

test("no ICMPv6 error about an ICMPv6 error, or to a multicast/unspecified source", () => {
  const dar = darWith([{ hoa: HOA, coa: COA }]);
  const err = new Uint8Array(32); err[0] = 1; // Destination Unreachable
  assert.equal(runOne(dar, ipv6(CN, HOA, { hop: 1, nh: 58, payload: err })), null);
  assert.equal(dar.reasonName(0), "hop-limit");
  assert.equal(dar.counter("icmp-suppressed"), 1n);
  const echo = new Uint8Array(32); echo[0] = 128; // informational: an error is fine
  assert.ok(runOne(dar, ipv6(CN, HOA, { hop: 1, nh: 58, payload: echo })));
  assert.equal(runOne(dar, ipv6("::", HOA, { hop: 1 })), null);
  assert.equal(runOne(dar, ipv6("ff02::1", HOA, { hop: 1 })), null);
  assert.equal(dar.counter("icmp-suppressed"), 3n);
});

test("ICMPv6 errors are rate-limited: burst 10, then one per 100 ms", () => {
  const dar = darWith([{ hoa: HOA, coa: COA }]);
  let sent = 0;
  for (let i = 0; i < 25; i++) if (runOne(dar, ipv6(CN, HOA, { hop: 1 }), 5000)) sent++;
  assert.equal(sent, 10);
  assert.equal(dar.counter("rate-limited"), 15n);
  assert.ok(runOne(dar, ipv6(CN, HOA, { hop: 1 }), 5100));
  assert.equal(runOne(dar, ipv6(CN, HOA, { hop: 1 }), 5150), null);
  let later = 0;
  for (let i = 0; i < 20; i++) if (runOne(dar, ipv6(CN, HOA, { hop: 1 }), 60000)) later++;
  assert.equal(later, 10);
});

test("Packet Too Big: MTU = tunnelMtu, body cut to fit 1280 bytes; 1280-byte packets always pass", () => {
  const dar = darWith([{ hoa: HOA, coa: COA }], { tunnelMtu: 1280 });
  const big = ipv6(CN, HOA, { payloadLen: 1300 - 40 });
  const out = runOne(dar, big);
  assert.ok(out);
  assert.equal(out.length, 1280);
  assert.equal(out[40], 2);
  assert.equal(new DataView(out.buffer).getUint32(44), 1280);
  assert.deepEqual(out.subarray(48), big.subarray(0, 1232));
  assert.equal(icmpChecksum(out), 0);
  const ok = runOne(dar, ipv6(CN, HOA, { payloadLen: 1240 }));
  assert.ok(ok);
  assert.equal(ok.length, 1320);
});

test("echo reply: checksum verified, reply from the anchor; other anchor traffic dropped", () => {
  const dar = darWith([]);
  const req = new Uint8Array(16); req[0] = 128; req.set([0x12, 0x34, 0, 1], 4);
  const pkt = ipv6(CN, ANCHOR, { nh: 58, payload: req });
  const ck = icmpChecksum(pkt); pkt[42] = ck >> 8; pkt[43] = ck & 0xff;
  const out = runOne(dar, pkt);
  assert.ok(out);
  assert.equal(out[40], 129);
  assert.deepEqual(out.subarray(44), pkt.subarray(44));
  assert.deepEqual(out.subarray(8, 24), addr(ANCHOR));
  assert.deepEqual(out.subarray(24, 40), addr(CN));
  assert.equal(icmpChecksum(out), 0);
  pkt[43] ^= 1;
  assert.equal(runOne(dar, pkt), null);
  assert.equal(dar.reasonName(0), "malformed");
  assert.equal(runOne(dar, ipv6(CN, ANCHOR, { nh: 6 })), null);
  assert.equal(dar.reasonName(0), "anchor-other");
  assert.equal(runOne(dar, ipv6(CN, "2001:db8:555::1")), null);
  assert.equal(dar.reasonName(0), "not-for-us");
});

test("Mobility Headers go to the control plane", () => {
  const dar = darWith([]);
  const mh = new Uint8Array(16); mh[0] = 59; mh[1] = 1; mh[2] = 5;
  // A BU with a bad checksum and no options: the control plane drops it (PROTOCOL.md §2.2 step 1).
  assert.equal(runOne(dar, ipv6(COA, ANCHOR, { nh: 135, payload: mh })), null);
  assert.equal(dar.reasonName(0), "mh-malformed");
  const dst = new Uint8Array(24); dst[0] = 135; dst[1] = 2;
  const withDest = new Uint8Array(40); withDest.set(dst.subarray(0, 24)); withDest.set(mh, 24);
  assert.equal(runOne(dar, ipv6(COA, ANCHOR, { nh: 60, payload: withDest })), null);
  assert.equal(dar.reasonName(0), "mh-malformed");
  assert.equal(dar.counter("mobility-control"), 2n);
});

test("expired bindings: lookups treat them as absent and the sweep removes them with events", () => {
  const dar = darWith([{ hoa: HOA, coa: COA, expiresAt: 10_000 }, { hoa: "2001:db8:100:1::2", coa: COA, expiresAt: 20_000 }]);
  assert.ok(runOne(dar, ipv6(CN, HOA), 9_999));
  assert.equal(runOne(dar, ipv6(CN, HOA), 10_000), null);
  assert.equal(dar.reasonName(0), "unbound");
  assert.deepEqual(dar.drainEvents().map((e) => [e.kind, e.hoa]), [["removed", HOA]]);
  dar.tick(19_000);
  assert.equal(dar.bindingsCount(), 1);
  dar.tick(20_000);
  assert.equal(dar.bindingsCount(), 0);
  assert.deepEqual(dar.drainEvents().map((e) => [e.kind, e.hoa, e.coa]), [["removed", "2001:db8:100:1::2", COA]]);
  assert.equal(dar.counter("bindings-expired"), 2n);
});

const badCoreConfigs: [string, () => DarConfig, RegExp][] = [
  ["tunnelMtu 1279", () => ({ ...vectorCfg(), tunnelMtu: 1279 }), /tunnelMtu/],
  ["a changed capacity", () => ({ ...vectorCfg(), capacity: 4096 }), /capacity cannot change/],
  ["a capacity over the limit", () => ({ ...vectorCfg(), capacity: 5_000_000 }), /capacity/],
];
for (const [what, cfg, message] of badCoreConfigs) {
  test(`configuration error, ${what}: reported and changes nothing`, () => {
    const dar = darWith([{ hoa: HOA, coa: COA }]);
    assert.throws(() => dar.configure(cfg()), message);
    assert.ok(runOne(dar, ipv6(CN, HOA)), "still configured and bound");
  });
}

function vectorCfg() { return vectorConfig("data-after-accept"); }
