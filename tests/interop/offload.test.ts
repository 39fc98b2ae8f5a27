// The core's TUN offload passes (assembly/offload/) against scapy (scapy_tso.py builds every
// case independently): offload_rx cuts a super-packet with a TSO virtio-net header into the
// segments the kernel's tcp_gso_segment would send, byte for byte (checksums from scapy);
// offload_tx coalesces runs of segments into the groups tcp_gro_receive would make, and every
// coalesced super-packet, cut again by offload_rx, gives back the original segments.
import { before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { loadCore, type Core } from "../../host/wasm.js";
import { BatchMemory, batchSource, DESC_WORDS, D_LEN, D_OFFSET, D_VERDICT, VERDICT_SEND, VERDICT_DROP, VERDICT_MERGED } from "../../host/core/batch.js";
import { Offload } from "../../host/offload.js";
import { noScapy, runHelper } from "./tools.js";

interface TsoCase { name: string; gsoSize: number; ecn: boolean; maxInner: number; super: string; segments: string[] }
interface GroCase { name: string; inputs: { hex: string; drop: boolean }[]; groups: number[][] }

const VNET = 10;
const GSO_TCPV6 = 4;
const GSO_ECN = 0x80;
const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");

describe("interop scapy: TSO segmentation and GRO", { skip: noScapy }, () => {
  let core: Core;
  let batch: BatchMemory;
  let cases: { tso: TsoCase[]; gro: GroCase[] };
  /** The core's offload passes, configured for a tunnel MTU (the largest segment). */
  const offload = (maxInner: number) => new Offload(core, { maxInner });

  before(() => {
    core = loadCore();
    batch = new BatchMemory(batchSource(core));
    cases = runHelper("scapy_tso.py", []);
  });

  /** Puts a frame (virtio-net header + packet) read from a TUN into slot 0. */
  function readFrame(header: Uint8Array, pkt: Uint8Array): void {
    const { mem, desc } = batch.views();
    const at = batch.packetAddr(0);
    mem.set(header, at - VNET);
    mem.set(pkt, at);
    desc[D_LEN] = pkt.length;
  }
  function tsoHeader(gsoType: number, gsoSize: number, hdrLen: number): Uint8Array {
    const h = new Uint8Array(VNET);
    const v = new DataView(h.buffer);
    h[0] = 1; h[1] = gsoType; v.setUint16(2, hdrLen, true); v.setUint16(4, gsoSize, true); v.setUint16(6, 40, true); v.setUint16(8, 16, true);
    return h;
  }
  /** The packets offload_rx left in slots 0..n-1. */
  function slots(n: number): string[] {
    const out: string[] = [];
    for (let i = 0; i < n; i++) out.push(hex(batch.packetView(i).subarray(0, batch.views().desc[i * DESC_WORDS + D_LEN]!)));
    return out;
  }

  test("segments are the kernel's, byte for byte", () => {
    assert.ok(cases.tso.length >= 6);
    for (const c of cases.tso) {
      const o = offload(c.maxInner);
      const before = o.counters();
      const pkt = Buffer.from(c.super, "hex");
      readFrame(tsoHeader(GSO_TCPV6 | (c.ecn ? GSO_ECN : 0), c.gsoSize, 40 + ((pkt[52]! >> 4) << 2)), pkt);
      const n = o.rx(1);
      assert.equal(n, c.segments.length, c.name);
      assert.deepEqual(slots(n), c.segments, c.name);
      const after = o.counters();
      assert.equal(after["super-in"] - before["super-in"], 1, c.name);
      assert.equal(after["segments-out"] - before["segments-out"], n, c.name);
    }
  });

  test("a super-packet after small packets keeps the order; partial checksums are completed", () => {
    const c = cases.tso[1]!;
    const o = offload(c.maxInner);
    const small = Buffer.from(cases.tso[5]!.segments[0]!, "hex");
    const { mem, desc } = batch.views();
    // slot 0: a complete packet whose TCP checksum the kernel left partial (pseudo-header sum only)
    const partial = Buffer.from(small);
    partial.writeUInt16BE(0x1234, 56); // any value: the device sums from csum_start over it
    const sum = (b: Uint8Array, from: number) => { let s = 0; for (let i = from; i < b.length; i += 2) s += (b[i]! << 8) | (b[i + 1] ?? 0); while (s > 0xffff) s = (s & 0xffff) + (s >>> 16); return s; };
    // put in the field the value that makes the completed checksum the right one: ~(right) folded with the rest
    partial.writeUInt16BE(0, 56);
    const rest = sum(partial, 40);
    const right = small.readUInt16BE(56);
    let pseudo = (~right & 0xffff) - rest; while (pseudo < 0) pseudo += 0xffff;
    partial.writeUInt16BE(pseudo & 0xffff, 56);
    mem.set(tsoHeader(0, 0, 0), batch.packetAddr(0) - VNET);
    mem.set(partial, batch.packetAddr(0));
    desc[D_LEN] = partial.length;
    const pkt = Buffer.from(c.super, "hex");
    mem.set(tsoHeader(GSO_TCPV6 | GSO_ECN, c.gsoSize, 60), batch.packetAddr(1) - VNET);
    mem.set(pkt, batch.packetAddr(1));
    desc[DESC_WORDS + D_LEN] = pkt.length;
    const n = o.rx(2);
    assert.equal(n, 1 + c.segments.length);
    assert.deepEqual(slots(n), [hex(small), ...c.segments]);
  });

  test("headers that do not fit, and GSO types never turned on, are dropped and counted", () => {
    const o = offload(1500);
    const pkt = Buffer.from(cases.tso[0]!.super, "hex");
    const bad0 = o.counters()["bad-vnet"];
    for (const [type, size] of [[GSO_TCPV6, 0], [1, 1428], [5, 1428]] as const) {
      readFrame(tsoHeader(type, size, 72), pkt);
      assert.equal(o.rx(1), 1);
      assert.equal(batch.views().desc[D_LEN], 0, `gso type ${type} size ${size}`);
    }
    const h = tsoHeader(0, 0, 0);
    new DataView(h.buffer).setUint16(6, 5000, true); // csum_start beyond the packet
    readFrame(h, pkt.subarray(0, 1000));
    assert.equal(o.rx(1), 1);
    assert.equal(batch.views().desc[D_LEN], 0);
    assert.equal(o.counters()["bad-vnet"] - bad0, 4);
  });

  test("coalescing follows the kernel's GRO rules, and splits back to the originals", () => {
    const DECAP_OFFSET = 168; // where a decapsulated packet lies in its slot
    for (const c of cases.gro) {
      const o = offload(1500);
      const { mem, desc } = batch.views();
      c.inputs.forEach((inp, i) => {
        const b = Buffer.from(inp.hex, "hex");
        mem.set(b, batch.slotAddr(i) + DECAP_OFFSET);
        const w = i * DESC_WORDS;
        desc[w + D_LEN] = inp.drop ? 0 : b.length; desc[w + D_OFFSET] = inp.drop ? 0 : DECAP_OFFSET; desc[w + D_VERDICT] = inp.drop ? VERDICT_DROP : VERDICT_SEND;
      });
      o.tx(c.inputs.length);
      // the frames the host would write, in order
      const frames: Uint8Array[] = [];
      for (let i = 0; i < c.inputs.length; i++) {
        const w = i * DESC_WORDS;
        const v = desc[w + D_VERDICT];
        if (v === VERDICT_SEND) frames.push(mem.slice(batch.slotAddr(i) + desc[w + D_OFFSET]!, batch.slotAddr(i) + desc[w + D_OFFSET]! + desc[w + D_LEN]!));
        else assert.ok(v === VERDICT_MERGED || c.inputs[i]!.drop, `${c.name}: slot ${i} verdict ${v}`);
      }
      assert.equal(frames.length, c.groups.length, `${c.name}: ${frames.length} frames, want ${c.groups.length}`);
      frames.forEach((f, g) => {
        const want = c.groups[g]!.map((i) => c.inputs[i]!.hex);
        if (want.length === 1) {
          assert.deepEqual([...f.subarray(0, VNET)], new Array(VNET).fill(0), `${c.name}: group ${g} plain header`);
          assert.equal(hex(f.subarray(VNET)), want[0], `${c.name}: group ${g} unchanged`);
          return;
        }
        assert.equal(f[1]! & 0x7f, GSO_TCPV6, `${c.name}: group ${g} gso type`);
        readFrame(f.subarray(0, VNET), f.subarray(VNET));
        const n = o.rx(1);
        assert.deepEqual(slots(n), want, `${c.name}: group ${g} split back`);
      });
    }
  });
});
