// Fuzz the whole DAR: a million random and mutated packets through `process_batch`
// in batches of 256 (dispatch, data plane, control plane, cryptography), against one long-lived
// DAR whose state accumulates, with the clock moving on (and jumping, so bindings expire and
// nonces rotate).
//
// Inputs: the packets of the vector set (vectors/dar/*.in.pcap, vectors/mh/*.pcap) and valid
// packets built here (cga-mode BUs with RSA-1024 and RSA-2048 keys, phkt-mode BUs keyed with the
// PHKTs the DAR issued in a priming pass, deregistrations, CoTIs, CN -> HoA data, MN -> anchor
// tunnel packets, echo requests, hop limit 1, oversized), mutated (bit flips, byte sets,
// truncation, extension, splices, length and Next Header rewrites, 1-4 deep), then mostly given a
// consistent IPv6 Payload Length and often a correct MH checksum, so that they get past the
// first gates; plus random bytes behind a plausible IPv6 header.
//
// Properties:
//   * no trap (a trap is a WebAssembly.RuntimeError out of process_batch: the instance is dead);
//   * every output lies inside its slot and is an IPv6 packet whose Payload Length matches;
//   * the cache never holds an entry that no accepted BU created: every BA with status 0 is
//     decoded (and every `bu-no-ack` drop, an accepted BU without the A flag); after the run and
//     at checkpoints, every binding's HoA is one of those, with the sequence number of the last
//     one accepted for it;
//   * the counters add up: rx = packets processed, tx = outputs sent; every drop names a drop
//     reason and the reason counters equal the drops counted under them (hop-limit and too-big
//     also count the packets whose ICMPv6 error was sent); tx = encap + decap + echo replies +
//     ICMPv6 errors + CoTs + BEs + BAs.
// A fixed seed (printed; FAMA_DAR_FUZZ_SEED to change it), FAMA_DAR_FUZZ_COUNT for the count.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { generateKeyPairSync, randomBytes, type KeyObject } from "node:crypto";
import { loadCore } from "../../host/wasm.js";
import { Dar, COUNTER_NAMES, VERDICT_SEND, type CounterName } from "../../host/core/dar.js";
import { parseDarConfig } from "../../host/config/dar.js";
import { buildPacket, decodePacket } from "../../host/core/mh.js";
import { cgaAddress } from "../../host/core/cga.js";
import { loadPrivateKey, spkiDer } from "../../host/keys.js";
import { readPcap } from "../../host/pcap.js";
import { VECTORS_DIR } from "../../host/paths.js";
import { addr, text, udpPacket, encapsulate, fixMhChecksum, internetChecksum, NH_MH } from "../support/packets.js";
import { buildBu, phktOf } from "../support/mobile-node.js";
import { toHex } from "../support/generators.js";
import { rng } from "../support/rng.js";

const COUNT = Number(process.env.FAMA_DAR_FUZZ_COUNT ?? 1_000_000);
const SEED = Number(process.env.FAMA_DAR_FUZZ_SEED ?? 0xda2f_0226) >>> 0;
const BATCH = 256;
const ANCHOR = "2001:db8:100:ff::1"; // the vector scenarios' DAR
const PREFIX = "2001:db8:100:1::";
const CN = "2001:db8:999::53";
const T0 = 1_700_000_000_000;


const INTERESTING = [0, 1, 2, 3, 4, 5, 6, 7, 8, 11, 12, 13, 14, 15, 16, 0x18, 0x20, 41, 43, 58, 59, 60, 0x7f, 0x80,
  128, 129, 135, 0xc9, 0xfe, 0xff];
const PLEN = 4, NEXT_HEADER = 6;

// Counters that can be a drop's reason (assembly/dar/counters.ts), and those that count
// nothing but such drops.
const DROP_REASONS = new Set<CounterName>(["malformed", "unbound", "spoofed", "tunnel-unbound", "hop-limit", "too-big",
  "rate-limited", "not-for-us", "anchor-other", "not-configured", "control-drop", "mh-malformed",
  "mh-unexpected", "bu-no-ack", "bad-auth-failed", "no-random"]);
const PURE_DROPS: CounterName[] = ["malformed", "unbound", "spoofed", "tunnel-unbound", "not-for-us",
  "anchor-other", "not-configured", "control-drop", "mh-malformed", "mh-unexpected", "bu-no-ack", "bad-auth-failed", "no-random"];

/** Offset of the Mobility Header and the HoA / RH2 addresses, walking the chain defensively; null if none. */
function findMh(p: Uint8Array, len: number): { off: number; hoa: Uint8Array | null; rh2: Uint8Array | null } | null {
  if (len < 40) return null;
  let nh = p[6], off = 40;
  let hoa: Uint8Array | null = null, rh2: Uint8Array | null = null;
  for (let n = 0; n < 6 && (nh === 0 || nh === 43 || nh === 60); n++) {
    if (off + 8 > len) return null;
    const hlen = (p[off + 1] + 1) * 8;
    if (off + hlen > len) return null;
    if (nh === 60) {
      for (let o = off + 2; o + 2 <= off + hlen;) {
        if (p[o] === 0) { o++; continue; }
        if (p[o] === 0xc9 && p[o + 1] === 16 && o + 18 <= off + hlen) hoa = p.slice(o + 2, o + 18);
        o += 2 + p[o + 1];
      }
    }
    if (nh === 43 && p[off + 2] === 2 && hlen === 24) rh2 = p.slice(off + 8, off + 24);
    nh = p[off];
    off += hlen;
  }
  if (nh !== NH_MH || off + 8 > len || off + (p[off + 1] + 1) * 8 > len) return null;
  return { off, hoa, rh2 };
}

test(`DAR fuzz: ${COUNT} random and mutated packets through process_batch (seed ${SEED})`, () => {
  const builder = loadCore();
  const dar = new Dar(loadCore());
  // Inline cga work with a budget no batch exhausts: every BU reaches the crypto, as before the budget.
  dar.configure({ ...parseDarConfig({ anchor: ANCHOR, prefixes: [`${PREFIX}/64`], maxLifetime: 600, cgaBudget: { perSecond: 1_000_000, perBatch: 256, queue: 0 } }), capacity: 4096 });
  const r = rng(SEED);

  // ---- corpus
  const vectors: Uint8Array[] = [];
  const dir = join(VECTORS_DIR, "dar");
  for (const f of readdirSync(dir).filter((x) => x.endsWith(".in.pcap")).sort()) for (const p of readPcap(join(dir, f)).packets) vectors.push(p.data);
  for (const f of ["valid.pcap", "invalid.pcap"]) for (const p of readPcap(join(VECTORS_DIR, "mh", f)).packets) vectors.push(p.data);
  assert.ok(vectors.length >= 100, `${vectors.length} vector packets`);

  interface Mn { key: KeyObject; hoa: string; params: string; coa: string; seq: number; phkt: Uint8Array | null }
  const keys = [generateKeyPairSync("rsa", { modulusLength: 1024 }).privateKey, generateKeyPairSync("rsa", { modulusLength: 1024 }).privateKey,
    loadPrivateKey(join(VECTORS_DIR, "keys", "mn-b-rsa2048.pem"))];
  const mns: Mn[] = keys.map((key, i) => {
    const { address, params } = cgaAddress(builder, { modifier: new Uint8Array(randomBytes(16)), prefix: addr(PREFIX), spki: spkiDer(key), sec: 0 });
    return { key, hoa: text(address), params: Buffer.from(params).toString("hex"), coa: `2001:db8:200:${i + 1}::${i + 7}`, seq: 1, phkt: null };
  });
  const cgaBu = (mn: Mn, lifetime = 100, seq = ++mn.seq) =>
    buildBu(builder, { coa: mn.coa, anchor: ANCHOR, hoa: mn.hoa, seq, lifetime, cga: { key: mn.key, params: mn.params } });
  const phktBu = (mn: Mn, lifetime = 100, seq = ++mn.seq, ack = true) =>
    buildBu(builder, { coa: mn.coa, anchor: ANCHOR, hoa: mn.hoa, seq, lifetime, phkt: mn.phkt!, ack });
  const coti = (src: string) => buildPacket(builder, { src, dst: ANCHOR, mh: { type: 2, cookie: toHex(randomBytes(8)), options: [] } });
  const echo = (src: string, n: number) => {
    const p = new Uint8Array(48 + n);
    p[0] = 0x60; p[4] = (8 + n) >> 8; p[5] = (8 + n) & 0xff; p[6] = 58; p[7] = 64;
    p.set(addr(src), 8); p.set(addr(ANCHOR), 24); p[40] = 128;
    const ph = new Uint8Array(40); ph.set(p.subarray(8, 40)); ph[35] = 8 + n; ph[34] = (8 + n) >> 8; ph[39] = 58;
    const c = internetChecksum([ph, p.subarray(40)]);
    p[42] = c >> 8; p[43] = c & 0xff;
    return p;
  };

  // Priming: the DAR issues PHKTs to the MNs (these packets count towards COUNT too).
  const accepted = new Map<string, number>(); // HoA -> seq of the last accepted BU
  let processed = 0, sent = 0, bas = 0, baAccepted = 0, noAck = 0;
  const dropsBy = new Map<CounterName, number>();
  let now = T0;
  for (const mn of mns) {
    dar.tick(now);
    dar.setPacket(0, cgaBu(mn));
    processed++;
    sent += dar.process(1, now);
    const ba = dar.output(0).slice();
    mn.phkt = phktOf(ba, mn.key);
    assert.ok(mn.phkt, "priming: a cga-mode BA with a PHKT");
    const d = decodePacket(builder, ba);
    assert.ok(d.ok && d.mh && d.mh.status === 0);
    accepted.set(mn.hoa, d.mh.seq!);
    bas++; baAccepted++;
  }
  dar.drainEvents();

  const built: Uint8Array[] = [];
  for (const mn of mns) {
    for (let k = 0; k < 6; k++) built.push(cgaBu(mn, [0, 1, 100, 0xffff][k % 4]));
    for (let k = 0; k < 30; k++) built.push(phktBu(mn, k % 10 === 0 ? 0 : [1, 100, 0xffff][k % 3]));
    built.push(cgaBu(mn, 100, (mn.seq + 0x8000) & 0xffff));
    built.push(coti(mn.coa));
    for (const n of [0, 40, 1300, 1500]) built.push(udpPacket(CN, mn.hoa, n));
    built.push(udpPacket(CN, mn.hoa, 40, { hopLimit: 1 }));
    for (const n of [0, 40, 1400]) built.push(encapsulate(mn.coa, ANCHOR, udpPacket(mn.hoa, CN, n)));
    built.push(encapsulate(mns[0].coa, ANCHOR, udpPacket(mn.hoa, CN, 20)));
    built.push(encapsulate(mn.coa, ANCHOR, udpPacket(mn.hoa, CN, 20, { hopLimit: 1 })));
    built.push(echo(mn.coa, 56));
  }
  const corpus = [...vectors, ...built];
  const valid = built; // picked more often: they get deep into the control plane

  // ---- the run
  const stride = dar.stride, head = dar.headroom, maxPacket = dar.maxPacket;
  const inputs = new Uint8Array(BATCH * maxPacket); // a copy of each slot's input (reports, no-ack decoding)
  const lens = new Uint32Array(BATCH);
  const buf = new Uint8Array(maxPacket + 64);
  let len = 0;
  const load = (p: Uint8Array) => { len = Math.min(p.length, maxPacket); buf.set(p.subarray(0, len)); };
  const pick = () => (r.chance(0.5) ? valid[r.below(valid.length)] : corpus[r.below(corpus.length)]);
  const mutations: (() => void)[] = [
    () => { const n = 1 + r.below(4); for (let k = 0; k < n && len; k++) buf[r.below(len)] ^= 1 << r.below(8); },
    () => { if (len) buf[r.below(len)] = INTERESTING[r.below(INTERESTING.length)]; },
    () => { if (len) buf[r.below(len)] = r.below(256); },
    () => { if (len > 40) buf[40 + r.below(len - 40)] ^= 1 << r.below(8); }, // past the IPv6 header
    () => { len = r.below(len + 1); },
    () => { len = Math.max(0, len - 1 - r.below(16)); },
    () => { const n = 1 + r.below(64); for (let k = 0; k < n && len < maxPacket; k++) buf[len++] = r.chance(0.5) ? 0 : r.below(256); },
    () => {
      const other = pick();
      const at = r.below(len + 1), from = r.below(other.length + 1);
      const tail = other.subarray(from, from + Math.min(other.length - from, maxPacket - at));
      buf.set(tail, at); len = at + tail.length;
    },
    () => { if (len) buf[r.below(len)] = r.below(32); }, // a small value: an extension/option/MH length
    () => { if (len > NEXT_HEADER) buf[NEXT_HEADER] = INTERESTING[r.below(INTERESTING.length)]; },
    () => { if (len >= 40) buf[7] = r.below(3); }, // hop limit 0..2
    () => { if (len >= 40) buf.set(addr([ANCHOR, mns[r.below(3)].hoa, mns[r.below(3)].coa, CN][r.below(4)]), r.chance(0.5) ? 8 : 24); },
    () => { if (len > 2) { const a = r.below(len - 1), n = Math.min(len - a, 1 + r.below(16)); buf.copyWithin(r.below(len - n + 1), a, a + n); } },
  ];
  const fresh = () => {
    len = 40 + r.below(200);
    for (let k = 0; k < len; k++) buf[k] = r.below(256);
    buf[0] = 0x60;
    buf[NEXT_HEADER] = [135, 60, 43, 0, 41, 58, 17][r.below(7)];
    buf.set(addr(r.chance(0.5) ? ANCHOR : r.chance(0.5) ? mns[r.below(3)].hoa : CN), 24);
    if (buf[NEXT_HEADER] === 135) buf[40] = 59;
  };
  // Fresh valid BUs, as an MN would send them now (its seq moves on, its PHKT is the last one
  // the DAR issued): so that acceptances keep happening all through the run.
  const dynamic = () => {
    const mn = mns[r.below(mns.length)];
    const x = r.below(12); // 0: cga mode, 1: deregistration, 2: no A flag
    const p = !mn.phkt || x === 0 ? cgaBu(mn, r.chance(0.1) ? 0 : 100) : phktBu(mn, x === 1 ? 0 : 1 + r.below(200), ++mn.seq, x !== 2);
    load(p);
  };
  const byHoa = new Map(mns.map((mn) => [mn.hoa, mn]));
  const fixPlen = () => { if (len >= 40) { const pl = len - 40; buf[PLEN] = pl >> 8; buf[PLEN + 1] = pl & 0xff; } };
  const fixChecksum = () => {
    const m = findMh(buf, len);
    if (m) fixMhChecksum(buf.subarray(0, len), m.hoa, m.rh2);
  };

  /** The property: every binding comes from an accepted BU (with the last accepted seq). */
  const checkBindings = (where: string) => {
    for (const b of dar.bindings()) {
      assert.ok(accepted.has(b.hoa), `${where}: binding for ${b.hoa} (-> ${b.coa}, seq ${b.seq}) that no accepted BU created (seed ${SEED})`);
      assert.equal(b.seq, accepted.get(b.hoa), `${where}: binding for ${b.hoa} has seq ${b.seq}, the last accepted BU had ${accepted.get(b.hoa)}`);
    }
  };

  let maxBindings = 0;
  const t0 = performance.now();
  const batches = Math.ceil((COUNT - processed) / BATCH);
  for (let bi = 0; bi < batches; bi++) {
    const n = Math.min(BATCH, COUNT - processed);
    now += 1 + r.below(5);
    if (bi % 500 === 499) now += 200_000 + r.below(500_000); // bindings expire, nonces rotate
    const { mem } = dar.views();
    for (let i = 0; i < n; i++) {
      if (r.chance(0.05)) fresh();
      else if (r.chance(0.02)) {
        dynamic();
        if (r.chance(0.3)) { mutations[r.below(mutations.length)](); fixPlen(); if (r.chance(0.7)) fixChecksum(); }
      } else {
        load(pick());
        const depth = r.chance(0.1) ? 0 : 1 + r.below(4);
        for (let d = 0; d < depth; d++) mutations[r.below(mutations.length)]();
        if (r.chance(0.8)) fixPlen();
        if (r.chance(0.6)) fixChecksum();
      }
      const at = dar.slotsBase + i * stride + head;
      mem.set(buf.subarray(0, len), at);
      inputs.set(buf.subarray(0, len), i * maxPacket);
      lens[i] = len;
      dar.setLen(i, len);
    }
    let k: number;
    try {
      dar.tick(now);
      k = dar.process(n, now);
    } catch (e) {
      const dump = Array.from({ length: n }, (_, i) => `  slot ${i}: ${toHex(inputs.subarray(i * maxPacket, i * maxPacket + lens[i]))}`).join("\n");
      assert.fail(`batch ${bi} (packets ${processed}..${processed + n - 1}, seed ${SEED}) trapped: ${(e as Error).message}\n${dump}`);
    }
    processed += n;
    sent += k;
    // Per slot: the verdict, where the output lies, what it is.
    let sends = 0;
    for (let i = 0; i < n; i++) {
      const v = dar.verdict(i);
      if (v === VERDICT_SEND) {
        sends++;
        const off = dar.outOffset(i), olen = dar.outLen(i);
        assert.ok(olen >= 40 && off + olen <= stride, `batch ${bi} slot ${i}: output [${off}, +${olen}) outside the slot`);
        const o = dar.output(i);
        assert.ok(o[0] >> 4 === 6 && ((o[4] << 8) | o[5]) + 40 === olen, `batch ${bi} slot ${i}: output is not a consistent IPv6 packet`);
        if (o[6] === 43) { // a BA carries a type 2 routing header
          const d = decodePacket(builder, o.slice());
          if (d.ok && d.mh && d.mh.type === 6) {
            bas++;
            if (d.mh.status === 0) {
              baAccepted++;
              if (d.mh.lifetime === 0) accepted.delete(d.rh2!);
              else accepted.set(d.rh2!, d.mh.seq!);
            }
            // The MNs of this test follow their BAs: new PHKT, resync the seq, fall back to cga mode.
            const mn = byHoa.get(d.rh2!);
            if (mn) {
              if (d.mh.status === 0 && d.mh.options.some((opt) => opt.type === 14)) mn.phkt = phktOf(o, mn.key) ?? mn.phkt;
              if (d.mh.status === 0 && d.mh.lifetime === 0) mn.phkt = null;
              if (d.mh.status === 135) mn.seq = d.mh.seq!;
              if (d.mh.status === 147) mn.phkt = null;
            }
          }
        }
      } else {
        assert.equal(v, 0, `batch ${bi} slot ${i}: verdict ${v}`);
        const reason = dar.reasonName(i);
        assert.ok(reason && DROP_REASONS.has(reason), `batch ${bi} slot ${i}: drop reason ${dar.reason(i)} (${reason}) is not a drop reason`);
        dropsBy.set(reason, (dropsBy.get(reason) ?? 0) + 1);
        if (reason === "bu-no-ack") { // accepted without the A flag: no BA to see, decode the BU
          noAck++;
          const d = decodePacket(builder, inputs.slice(i * maxPacket, i * maxPacket + lens[i]));
          assert.ok(d.ok && d.mh && d.hoa, `batch ${bi} slot ${i}: a no-ack drop of something that is not a BU`);
          if (d.mh.lifetime === 0) accepted.delete(d.hoa);
          else accepted.set(d.hoa, d.mh.seq!);
        }
      }
    }
    assert.equal(sends, k, `batch ${bi}: process_batch returned ${k}, ${sends} slots say send`);
    dar.drainEvents();
    maxBindings = Math.max(maxBindings, dar.bindingsCount());
    if (bi % 64 === 0) checkBindings(`checkpoint at batch ${bi}`);
  }
  const seconds = (performance.now() - t0) / 1000;
  checkBindings("after the run");

  // ---- the counters add up
  const c = dar.counters();
  const num = (x: CounterName) => Number(c[x]);
  const drops = (x: CounterName) => dropsBy.get(x) ?? 0;
  assert.equal(processed, COUNT);
  assert.equal(num("rx"), processed, "rx = packets processed");
  assert.equal(num("tx"), sent, "tx = outputs sent");
  assert.equal([...dropsBy.values()].reduce((a, b) => a + b, 0), processed - sent, "every packet not sent was dropped under a reason");
  for (const x of PURE_DROPS) assert.equal(num(x), drops(x), `counter ${x} = drops counted under it`);
  assert.equal(num("hop-limit"), drops("hop-limit") + num("time-exceeded-sent"), "hop-limit = drops + Time Exceeded sent");
  assert.equal(num("too-big"), drops("too-big") + num("too-big-sent"), "too-big = drops + Packet Too Big sent");
  assert.ok(num("rate-limited") >= drops("rate-limited"), "rate-limited counts at least its drops");
  assert.equal(num("bu-rejected") + num("bu-accepted") - num("bu-no-ack"), bas, "BAs sent = rejections + acceptances with the A flag");
  assert.equal(num("bu-no-ack"), noAck);
  assert.equal(sent, num("encap") + num("decap") + num("echo-reply") + num("time-exceeded-sent") + num("too-big-sent") + num("cot-sent") + num("be-sent") + bas,
    "tx = encap + decap + echo replies + ICMPv6 errors + CoTs + BEs + BAs");

  const summary = COUNTER_NAMES.filter((x) => c[x] > 0n).map((x) => `${x} ${c[x]}`).join(", ");
  console.log(`# DAR fuzz seed ${SEED} (FAMA_DAR_FUZZ_SEED): ${processed} packets in ${seconds.toFixed(1)} s, ${Math.round(processed / seconds)} /s; corpus ${corpus.length} (${vectors.length} vector packets)`);
  console.log(`# BAs ${bas} (${baAccepted} status 0), no-ack ${noAck}, most bindings at once ${maxBindings}, at the end ${dar.bindingsCount()}`);
  console.log(`# counters: ${summary}`);
  // The run must reach deep into the DAR, or it tested little.
  for (const x of ["encap", "decap", "echo-reply", "cot-sent", "bu-accepted", "bu-rejected", "bad-auth-failed", "mh-malformed", "malformed", "spoofed", "time-exceeded-sent", "too-big-sent"] as CounterName[]) {
    assert.ok(c[x] > 0n, `the fuzz never reached ${x}`);
  }
  assert.ok(baAccepted > 100 && maxBindings >= 3, `${baAccepted} acceptances, at most ${maxBindings} bindings`);
});
