// Fuzz: a million random and mutated packets through the core's parser (`mh_decode`). The
// property is the one of ARCHITECTURE.md rule 1: it returns a status code, never traps, never
// reads outside the packet, and allocates nothing.
//
// "Never reads outside the packet" is made observable: after instantiation linear memory is
// grown by one page from JS (AssemblyScript's allocator never uses a page it did not grow
// itself), and every input is written so that its last byte is the last byte of memory. A read
// one byte past the packet is then a read past the end of memory, which traps
// (WebAssembly.RuntimeError: memory access out of bounds).
//
// Inputs: the vector set (valid.pcap, invalid.pcap) and packets built from the generators,
// mutated by bit flips, byte sets (interesting values), truncations, extensions, splices and
// length-field rewrites, stacked 1-4 deep; plus purely random bytes, with and without a
// plausible IPv6 + MH prefix. A fixed seed (printed; FAMA_FUZZ_SEED to change it) makes every
// run the same; FAMA_FUZZ_COUNT changes the count. On a failure the input is printed in hex.
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import fc from "fast-check";
import { loadCore } from "../../host/wasm.js";
import { buildPacket, mhErrorName, type PacketSpec } from "../../host/core/mh.js";
import { readPcap } from "../../host/pcap.js";
import { VECTORS_DIR } from "../../host/paths.js";
import { anyMessage, toHex } from "../support/generators.js";
import { rng } from "../support/rng.js";

const COUNT = Number(process.env.FAMA_FUZZ_COUNT ?? 1_000_000);
const SEED = Number(process.env.FAMA_FUZZ_SEED ?? 0xfa3a_2025) >>> 0;
const MAX_LEN = 4096;
const PAGE = 65536;


// Values that sit on the parser's edges: lengths, protocol numbers, option types.
const INTERESTING = [0, 1, 2, 3, 4, 5, 6, 7, 8, 11, 12, 13, 14, 15, 16, 0x10, 0x12, 0x18, 0x20, 43, 44, 59, 60, 0x7f, 0x80,
  135, 0xc9, 0xfe, 0xff, 0x3b, 0x87, 0x04, 0x3c, 0x2b, 0x2c, 0x00, 0x06];
// Offsets of the IPv6 header fields a mutation may rewrite (Payload Length, Next Header).
const PLEN = 4, NEXT_HEADER = 6;

test("the guard works: a packet one byte longer than what is left of memory traps", () => {
  // Without this, a silent change in how memory is laid out could make the fuzz test blind.
  const core = loadCore();
  const decode = (core.exports as unknown as Record<string, (p: number, l: number) => number>).mh_decode;
  const packet = readPcap(join(VECTORS_DIR, "mh", "valid.pcap")).packets[0].data;
  core.exports.memory.grow(1);
  const end = core.exports.memory.buffer.byteLength;
  new Uint8Array(core.exports.memory.buffer).set(packet, end - packet.length);
  assert.equal(decode(end - packet.length, packet.length), 0, "the vector decodes when it ends at the end of memory");
  // Same bytes, one byte further on: the parser reads every byte (checksum), so the last read is past the end.
  new Uint8Array(core.exports.memory.buffer).set(packet.subarray(0, packet.length - 1), end - packet.length + 1);
  assert.throws(() => decode(end - packet.length + 1, packet.length), WebAssembly.RuntimeError);
});

test(`fuzz: ${COUNT} random and mutated packets through mh_decode`, () => {
  const core = loadCore();
  const ex = core.exports as unknown as Record<string, unknown>;
  const decode = ex.mh_decode as (ptr: number, len: number) => number;
  assert.equal(typeof decode, "function", "the core exports mh_decode(ptr, len)");
  const memory = core.exports.memory;

  // Corpus: the vector set plus generated packets.
  const corpus: Uint8Array[] = [];
  for (const f of ["valid.pcap", "invalid.pcap"]) for (const p of readPcap(join(VECTORS_DIR, "mh", f)).packets) corpus.push(p.data);
  const vectors = corpus.length;
  for (const spec of fc.sample(anyMessage, { seed: SEED, numRuns: 300 })) corpus.push(buildPacket(core, spec as PacketSpec));
  assert.ok(vectors >= 60 && corpus.length === vectors + 300, `corpus of ${corpus.length} packets`);

  // One page of our own at the top of memory: inputs end exactly at its end.
  memory.grow(1);
  const pages = memory.buffer.byteLength / PAGE;
  const end = memory.buffer.byteLength;
  const mem = new Uint8Array(memory.buffer);

  const r = rng(SEED);
  const buf = new Uint8Array(MAX_LEN);
  let len = 0;
  const load = (p: Uint8Array) => { buf.set(p); len = p.length; };
  const pick = () => corpus[r.below(corpus.length)];

  const mutations: (() => void)[] = [
    () => { const n = 1 + r.below(8); for (let k = 0; k < n && len; k++) buf[r.below(len)] ^= 1 << r.below(8); }, // bit flips
    () => { if (len) buf[r.below(len)] = INTERESTING[r.below(INTERESTING.length)]; },                        // byte set
    () => { if (len) buf[r.below(len)] = r.below(256); },                                                      // random byte
    () => { len = r.below(len + 1); },                                                                          // truncation
    () => { len = Math.max(0, len - 1 - r.below(8)); },                                                         // cut a little
    () => { const n = 1 + r.below(64); for (let k = 0; k < n && len < MAX_LEN; k++) buf[len++] = r.chance(0.5) ? 0 : r.below(256); }, // extension
    () => { // splice: our head, another packet's tail
      const other = pick();
      const at = r.below(len + 1), from = r.below(other.length + 1);
      const tail = other.subarray(from, from + Math.min(other.length - from, MAX_LEN - at));
      buf.set(tail, at); len = at + tail.length;
    },
    () => { // a length field: IPv6 Payload Length, or any byte set small (extension/option/MH lengths)
      if (len >= 6 && r.chance(0.3)) { const v = r.below(len + 16); buf[PLEN] = v >> 8; buf[PLEN + 1] = v & 0xff; }
      else if (len) buf[r.below(len)] = r.below(32);
    },
    () => { if (len > NEXT_HEADER) buf[NEXT_HEADER] = INTERESTING[r.below(INTERESTING.length)]; },             // next header
    () => { if (len > 1) { const a = r.below(len), b = r.below(len); const t = buf[a]; buf[a] = buf[b]; buf[b] = t; } }, // swap
    () => { if (len > 2) { const a = r.below(len - 1), n = Math.min(len - a, 1 + r.below(16)); buf.copyWithin(r.below(len - n + 1), a, a + n); } }, // duplicate a run
  ];

  const fresh = () => { // purely random bytes, half of them behind a plausible IPv6 header
    len = r.below(160);
    for (let k = 0; k < len; k++) buf[k] = r.below(256);
    if (len >= 40 && r.chance(0.5)) {
      buf[0] = 0x60; buf[NEXT_HEADER] = [135, 60, 43, 0, 44][r.below(5)];
      const pl = len - 40; buf[PLEN] = pl >> 8; buf[PLEN + 1] = pl & 0xff;
      if (buf[NEXT_HEADER] === 135 && len > 41) buf[40] = 59;
    }
  };

  const codes = new Map<number, number>();
  let ok = 0;
  const t0 = performance.now();
  for (let i = 0; i < COUNT; i++) {
    if (r.chance(0.05)) fresh();
    else {
      load(pick());
      const depth = 1 + r.below(4);
      for (let d = 0; d < depth; d++) mutations[r.below(mutations.length)]();
      // Mostly keep the IPv6 Payload Length consistent, so the input gets past the first check.
      if (len >= 40 && r.chance(0.6)) { const pl = len - 40; buf[PLEN] = pl >> 8; buf[PLEN + 1] = pl & 0xff; }
    }
    const ptr = end - len;
    mem.set(buf.subarray(0, len), ptr);
    let rc: number;
    try {
      rc = decode(ptr, len);
    } catch (e) {
      assert.fail(`input #${i} (seed ${SEED}) trapped: ${(e as Error).message}\n  len ${len} hex ${toHex(buf.subarray(0, len))}`);
    }
    if (mem.byteLength === 0) assert.fail(`input #${i} (seed ${SEED}) grew linear memory\n  hex ${toHex(buf.subarray(0, len))}`);
    if (!(Number.isInteger(rc) && rc <= 0)) assert.fail(`input #${i} (seed ${SEED}) returned ${rc}\n  hex ${toHex(buf.subarray(0, len))}`);
    codes.set(rc, (codes.get(rc) ?? 0) + 1);
    if (rc === 0) ok++;
  }
  const seconds = (performance.now() - t0) / 1000;
  assert.equal(memory.buffer.byteLength / PAGE, pages, "linear memory did not grow during the run (the parser allocates nothing)");

  const byCode = [...codes].sort((a, b) => b[1] - a[1]).map(([c, n]) => `${c === 0 ? "ok" : mhErrorName(c)}(${c}) ${n}`).join(", ");
  console.log(`# fuzz seed ${SEED} (FAMA_FUZZ_SEED): ${COUNT} inputs in ${seconds.toFixed(1)} s, ${Math.round(COUNT / seconds)} /s; corpus ${corpus.length} (${vectors} vectors)`);
  console.log(`# fuzz results: ${byCode}`);
  // The run must reach both sides of the parser, or it tested little.
  assert.ok(ok > COUNT / 1000, `only ${ok} inputs decoded`);
  assert.ok(codes.size >= 10, `only ${codes.size} distinct results`);
});
