// The MN core (assembly/mn/) in one scenario whose state carries from test to test:
// BU layout per mode read back with the DAR's decoder, retransmission timing and back-off,
// BA processing (accept with PHKT after the host's decryption, BAD failure discarded,
// 135 / 147 / 137 transitions, 148), refresh at 80%, and the data plane's encapsulation and
// decapsulation with the anchor check. BAs and CoTs are built with the DAR's builders.
import { mn_apply_config } from "../../assembly/mn/config";
import { attach, restore, release, sign_answer, decrypt_answer, next_timer, bul_tick, mn_coa_ptr } from "../../assembly/mn/bul";
import { mn_batch } from "../../assembly/mn/engine";
import { mn_divert_base, mn_divert_count } from "../../assembly/mn/divert";
import { mn_events_count, mn_events_base, mn_events_clear, MN_EVENT_SIZE, EV_SIGN_REQUEST, EV_DECRYPT_REQUEST, EV_BOUND, EV_REJECTED, EV_COTI_SENT } from "../../assembly/mn/events";
import { mn_outbox_count, mn_outbox_base, mn_outbox_clear, MN_OUTBOX_STRIDE } from "../../assembly/mn/outbox";
import { mctr_get, M_CONTROL, M_BA_BAD_AUTH, M_SPOOFED, M_ENCAP, M_DECAP, M_NOT_OURS, M_TUNNEL_UNKNOWN, M_ANCHOR_OTHER } from "../../assembly/mn/counters";
import {
  site_at, site_used, S_HOA, S_SEQ, S_FLAGS, S_EXPIRY, S_REFRESH, S_PHASE, S_COOKIE, SF_BOUND, SF_HAS_PHKT, SF_COA_TEST, PH_BA, PH_COT,
} from "../../assembly/mn/sites";
import {
  mh_decode_packet, dec, DEC_PRESENT, DEC_MH_TYPE, DEC_SEQ, DEC_LIFETIME, DEC_FLAGS, DEC_HOA, DEC_SRC, DEC_DST, DEC_UPPER_OFF,
  DEC_BAD_AUTH, DEC_CAREOF_NONCE_INDEX, DEC_SIG_LEN, DEC_CGA_LEN, P_HOA, P_BAD, P_NONCE_INDICES, P_CGA_PARAMS, P_CGA_THEN_SIG,
  P_CHECKSUM_OK, DEC_COOKIE,
} from "../../assembly/mh/decode";
import { FLAG_A, FLAG_H } from "../../assembly/mh/header";
import { build_ba, build_cot, REPLY } from "../../assembly/dar/replies";
import { tok_kbm, tok_authenticator_check } from "../../assembly/cga/tokens";
import { slot_at, desc_at, BATCH_HEADROOM } from "../../assembly/batch/slots";
import { unhex } from "./bytes";

function addr_eq(a: usize, b: usize): bool { return memory.compare(a, b, 16) == 0; }

// RSA-1024 SPKI and a Sec 0 modifier (tests/vectors/cga.json)
const SPKI = "30819f300d06092a864886f70d010101050003818d0030818902818100e0198f959520313a949ae2ea6f49f4e714129111a11e6f6d44af015b5e76cc615894180cd33871ef0114683d367f0418c224e8519b19c61bb99190080191be451d66db1398f7726e6d012416328ec23ef177c8cb349eafc73576a276a15a6b0577356b1528e99b0ceb69ee71bf7ec389f13c61ec4849bfa9ba2bac3b12ccf6f70203010001";
const P1 = unhex("20010db8000100000000000000000000"), A1 = unhex("20010db8000a00010000000000000001");
const P2 = unhex("20010db8000200000000000000000000"), A2 = unhex("20010db8000a00020000000000000001");
const P3 = unhex("20010db8000300000000000000000000"), A3 = unhex("20010db8000a00030000000000000001");
const CN = unhex("20010db8000c00000000000000000002");
const PHKT2 = unhex("1122334455667788");
const kbm = heap.alloc(20);
const T0: f64 = 1000;
let s1: u32 = 0, s2: u32 = 0, s3: u32 = 0;

function configure(): i32 {
  const rec = heap.alloc(40 + 162);
  memory.fill(rec, 0, 40);
  store<u32>(rec, 0); store<u32>(rec, 162, 4); store<u32>(rec, 250, 8); store<u32>(rec, 400, 12); store<u32>(rec, 1460, 16);
  memory.copy(rec + 24, unhex("3c1a1cdfc424014b14d2926221ea690a"), 16);
  memory.copy(rec + 40, unhex(SPKI), 162);
  return mn_apply_config(rec, false);
}

/** Event i's field at `off`. */
function ev(i: u32, off: u32): u32 { return load<u32>(mn_events_base() + <usize>(i * MN_EVENT_SIZE) + off); }
function find_event(kind: u32, site: u32): i32 {
  for (let i: u32 = 0; i < mn_events_count(); i++) if (ev(i, 0) == kind && ev(i, 4) == site) return <i32>i;
  return -1;
}
function outbox(i: u32): usize { return mn_outbox_base() + <usize>(i * MN_OUTBOX_STRIDE) + 16; }
function outbox_len(i: u32): u32 { return load<u32>(mn_outbox_base() + <usize>(i * MN_OUTBOX_STRIDE)); }
/** The outbox entry whose HoA option is site s's H_k, or -1. */
function bu_of(s: u32): i32 {
  for (let i: u32 = 0; i < mn_outbox_count(); i++) {
    if (mh_decode_packet(outbox(i), outbox_len(i)) == 0 && (dec(DEC_PRESENT) & P_HOA) && addr_eq(outbox(i) + dec(DEC_HOA), site_at(s) + S_HOA)) return <i32>i;
  }
  return -1;
}
/** Hands the packet in REPLY (len bytes) to the MN's batch; returns the verdict. */
function deliver(src: usize, len: u32, now: f64): u32 {
  memory.copy(slot_at(0) + BATCH_HEADROOM, src, len);
  store<u32>(desc_at(0), len);
  mn_batch(1, now);
  return load<u32>(desc_at(0), 8);
}
function reason(): u32 { return load<u32>(desc_at(0), 12); }
function flags(s: u32): u32 { return load<u32>(site_at(s) + S_FLAGS); }
function seq(s: u32): u32 { return load<u32>(site_at(s) + S_SEQ); }
function reset(): void { mn_events_clear(); mn_outbox_clear(); }

describe("MN core", () => {
  it("is configured; the first attachment sends nothing", () => {
    expect(configure()).toBe(0);
    s1 = <u32>attach(P1, A1, false, T0);
    expect(mn_outbox_count()).toBe(0);
    expect(addr_eq(mn_coa_ptr(), site_at(s1) + S_HOA)).toBe(true);
    expect(load<u64>(site_at(s1) + S_HOA)).toBe(load<u64>(P1));
  });

  it("phkt-mode BU (restored PHKT) and cga-mode BU laid out as the DAR's decoder reads them", () => {
    s2 = <u32>restore(P2, A2, false, 100, PHKT2, 100);
    reset();
    s3 = <u32>attach(P3, A3, false, T0);
    // site 2: phkt mode, straight to the outbox
    const i2 = bu_of(s2);
    expect(i2).toBeGreaterThanOrEqual(0);
    const p = outbox(<u32>i2);
    expect(mh_decode_packet(p, outbox_len(<u32>i2))).toBe(0);
    const present = dec(DEC_PRESENT);
    expect(present & (P_CHECKSUM_OK | P_NONCE_INDICES | P_BAD)).toBe(P_CHECKSUM_OK | P_NONCE_INDICES | P_BAD);
    expect(present & P_CGA_PARAMS).toBe(0);
    expect(dec(DEC_SEQ)).toBe(101);
    expect(dec(DEC_LIFETIME)).toBe(100);
    expect(dec(DEC_FLAGS) & (FLAG_A | FLAG_H)).toBe(FLAG_A | FLAG_H);
    expect(dec(DEC_CAREOF_NONCE_INDEX)).toBe(0);
    expect(addr_eq(p + dec(DEC_SRC), site_at(s3) + S_HOA)).toBe(true);
    expect(addr_eq(p + dec(DEC_DST), A2)).toBe(true);
    tok_kbm(PHKT2, 0, kbm);
    expect(tok_authenticator_check(kbm, site_at(s3) + S_HOA, A2, p + dec(DEC_UPPER_OFF), dec(DEC_BAD_AUTH) - dec(DEC_UPPER_OFF))).toBe(true);
    // site 1: cga mode waits for the host's signature
    expect(bu_of(s1)).toBe(-1);
    const e = find_event(EV_SIGN_REQUEST, s1);
    expect(e).toBeGreaterThanOrEqual(0);
    expect(ev(<u32>e, 24)).toBe(20);
    const sig = heap.alloc(128);
    memory.fill(sig, 0xab, 128);
    expect(sign_answer(s1, seq(s1) ^ 1, sig, 128, T0)).toBeLessThan(0); // stale
    expect(sign_answer(s1, seq(s1), sig, 127, T0)).toBeLessThan(0);     // wrong length
    expect(sign_answer(s1, seq(s1), sig, 128, T0)).toBe(0);
    const i1 = bu_of(s1);
    expect(i1).toBeGreaterThanOrEqual(0);
    expect(mh_decode_packet(outbox(<u32>i1), outbox_len(<u32>i1))).toBe(0);
    expect(dec(DEC_PRESENT) & (P_CGA_PARAMS | P_CGA_THEN_SIG | P_CHECKSUM_OK)).toBe(P_CGA_PARAMS | P_CGA_THEN_SIG | P_CHECKSUM_OK);
    expect(dec(DEC_PRESENT) & P_BAD).toBe(0); // no care-of test: no BAD in cga mode
    expect(dec(DEC_SIG_LEN)).toBe(128);
    expect(dec(DEC_CGA_LEN)).toBe(25 + 162);
  });

  it("retransmits after the short handover timeout, then doubles; each with a new sequence number", () => {
    expect(next_timer()).toBe(T0 + 250);
    reset();
    bul_tick(T0 + 250);
    expect(seq(s2)).toBe(102);
    expect(bu_of(s2)).toBeGreaterThanOrEqual(0);
    expect(find_event(EV_SIGN_REQUEST, s1)).toBeGreaterThanOrEqual(0);
    expect(next_timer()).toBe(T0 + 250 + 500);
    bul_tick(T0 + 700); // not yet
    expect(seq(s2)).toBe(102);
  });

  it("a phkt-mode BA with a good BAD binds; expiry from the BU's send time, refresh at 80%", () => {
    tok_kbm(PHKT2, 0, kbm);
    const coa = site_at(s3) + S_HOA;
    const len = build_ba(A2, coa, site_at(s2) + S_HOA, 0, 102, 25, 0, 0, kbm, coa);
    expect(deliver(REPLY, <u32>len, T0 + 300)).toBe(0);
    expect(reason()).toBe(M_CONTROL);
    expect(flags(s2) & SF_BOUND).toBe(SF_BOUND);
    expect(load<f64>(site_at(s2) + S_EXPIRY)).toBe(T0 + 250 + 100_000);
    expect(load<f64>(site_at(s2) + S_REFRESH)).toBe(T0 + 250 + 80_000);
    expect(find_event(EV_BOUND, s2)).toBeGreaterThanOrEqual(0);
  });

  it("a cga-mode BA: the host decrypts the PHKT; a BAD that fails with it is discarded, the right one binds", () => {
    const sig = heap.alloc(128);
    sign_answer(s1, seq(s1), sig, 128, T0 + 250);
    reset();
    const coa = site_at(s3) + S_HOA;
    const phkt = unhex("0102030405060708");
    const cipher = heap.alloc(128);
    memory.fill(cipher, 0x5a, 128);
    tok_kbm(phkt, 0, kbm);
    const len = build_ba(A1, coa, site_at(s1) + S_HOA, 0, seq(s1), 25, cipher, 128, kbm, coa);
    const ba = heap.alloc(len);
    memory.copy(ba, REPLY, len);
    deliver(ba, <u32>len, T0 + 400);
    const e = find_event(EV_DECRYPT_REQUEST, s1);
    expect(e).toBeGreaterThanOrEqual(0);
    expect(ev(<u32>e, 24)).toBe(128);
    expect(load<u8>(<usize>ev(<u32>e, 20))).toBe(0x5a);
    const bad = mctr_get(M_BA_BAD_AUTH);
    expect(decrypt_answer(s1, seq(s1), unhex("0102030405060709"), T0 + 400)).toBe(2);
    expect(mctr_get(M_BA_BAD_AUTH)).toBe(bad + 1);
    expect(flags(s1) & (SF_BOUND | SF_HAS_PHKT)).toBe(0);
    expect(load<u32>(site_at(s1) + S_PHASE)).toBe(PH_BA);
    expect(decrypt_answer(s1, seq(s1), phkt, T0 + 400)).toBeLessThan(0); // no request outstanding now
    deliver(ba, <u32>len, T0 + 410);
    expect(decrypt_answer(s1, seq(s1), phkt, T0 + 410)).toBe(0);
    expect(flags(s1) & (SF_BOUND | SF_HAS_PHKT)).toBe(SF_BOUND | SF_HAS_PHKT);
  });

  it("refresh at 80% goes out in phkt mode; 135 -> a larger sequence number; 147 -> cga mode", () => {
    reset();
    bul_tick(T0 + 250 + 80_000);
    expect(seq(s2)).toBe(103);
    expect(bu_of(s2)).toBeGreaterThanOrEqual(0);
    const coa = site_at(s3) + S_HOA;
    tok_kbm(PHKT2, 0, kbm);
    let len = build_ba(A2, coa, site_at(s2) + S_HOA, 135, 500, 0, 0, 0, kbm, coa);
    reset();
    deliver(REPLY, <u32>len, T0 + 80_300);
    expect(seq(s2)).toBe(501);
    expect(bu_of(s2)).toBeGreaterThanOrEqual(0);
    len = build_ba(A2, coa, site_at(s2) + S_HOA, 147, 501, 0, 0, 0, 0, 0);
    reset();
    deliver(REPLY, <u32>len, T0 + 80_400);
    expect(flags(s2) & SF_HAS_PHKT).toBe(0);
    expect(find_event(EV_SIGN_REQUEST, s2)).toBeGreaterThanOrEqual(0);
    expect(seq(s2)).toBe(502);
  });

  it("137 -> care-of test: CoTI, then a BU naming the nonce with a BAD keyed by the token", () => {
    const coa = site_at(s3) + S_HOA;
    sign_answer(s2, 502, heap.alloc(128), 128, T0 + 80_400);
    let len = build_ba(A2, coa, site_at(s2) + S_HOA, 137, 502, 0, 0, 0, 0, 0);
    reset();
    deliver(REPLY, <u32>len, T0 + 80_500);
    expect(flags(s2) & SF_COA_TEST).toBe(SF_COA_TEST);
    expect(load<u32>(site_at(s2) + S_PHASE)).toBe(PH_COT);
    expect(find_event(EV_COTI_SENT, s2)).toBeGreaterThanOrEqual(0);
    expect(mn_outbox_count()).toBe(1);
    expect(mh_decode_packet(outbox(0), outbox_len(0))).toBe(0);
    expect(dec(DEC_MH_TYPE)).toBe(2);
    expect(load<u64>(outbox(0) + dec(DEC_COOKIE))).toBe(load<u64>(site_at(s2) + S_COOKIE));
    // a CoT with another cookie is ignored; the right one continues
    const token = unhex("c7cc43d14d39b6bd");
    const wrong = unhex("0000000000000001");
    len = build_cot(A2, coa, 7, wrong, token);
    reset();
    deliver(REPLY, <u32>len, T0 + 80_510);
    expect(load<u32>(site_at(s2) + S_PHASE)).toBe(PH_COT);
    len = build_cot(A2, coa, 7, site_at(s2) + S_COOKIE, token);
    deliver(REPLY, <u32>len, T0 + 80_520);
    expect(find_event(EV_SIGN_REQUEST, s2)).toBeGreaterThanOrEqual(0); // still cga mode (147 earlier)
    sign_answer(s2, seq(s2), heap.alloc(128), 128, T0 + 80_520);
    const i = bu_of(s2);
    expect(i).toBeGreaterThanOrEqual(0);
    const p = outbox(<u32>i);
    expect(mh_decode_packet(p, outbox_len(<u32>i))).toBe(0);
    expect(dec(DEC_CAREOF_NONCE_INDEX)).toBe(7);
    expect(dec(DEC_PRESENT) & (P_CGA_PARAMS | P_BAD)).toBe(P_CGA_PARAMS | P_BAD);
    tok_kbm(0, token, kbm);
    expect(tok_authenticator_check(kbm, coa, A2, p + dec(DEC_UPPER_OFF), dec(DEC_BAD_AUTH) - dec(DEC_UPPER_OFF))).toBe(true);
  });

  it("encapsulates packets from a kept HoA to its anchor, decapsulates tunnel packets from the right anchor only", () => {
    const pkt = heap.alloc(48);
    memory.fill(pkt, 0, 48);
    store<u32>(pkt, bswap<u32>(0x60000000 | (0x2a << 20)));
    store<u16>(pkt + 4, bswap<u16>(8)); store<u8>(pkt + 6, 17); store<u8>(pkt + 7, 33);
    memory.copy(pkt + 8, site_at(s1) + S_HOA, 16);
    memory.copy(pkt + 24, CN, 16);
    expect(deliver(pkt, 48, T0 + 90_000)).toBe(1);
    const out = slot_at(0) + load<u32>(desc_at(0), 4);
    expect(load<u32>(desc_at(0), 4)).toBe(BATCH_HEADROOM - 40);
    expect(load<u32>(desc_at(0))).toBe(88);
    expect(load<u8>(out + 6)).toBe(41);
    expect(load<u8>(out + 7)).toBe(64);
    expect((bswap<u32>(load<u32>(out)) >> 20) & 0xff).toBe(0x2a);
    expect(addr_eq(out + 8, mn_coa_ptr())).toBe(true);
    expect(addr_eq(out + 24, A1)).toBe(true);
    expect(mctr_get(M_ENCAP)).toBe(1);
    // from the CoA itself: not tunnelled
    memory.copy(pkt + 8, mn_coa_ptr(), 16);
    expect(deliver(pkt, 48, T0 + 90_000)).toBe(0);
    expect(reason()).toBe(M_NOT_OURS);
    // a tunnel packet A1 -> CoA for H_1: decapsulated
    const t = heap.alloc(88);
    memory.copy(t, out, 88);
    memory.copy(t + 8, A1, 16); memory.copy(t + 24, mn_coa_ptr(), 16);
    memory.copy(t + 48, CN, 16); memory.copy(t + 64, site_at(s1) + S_HOA, 16);
    expect(deliver(t, 88, T0 + 90_001)).toBe(1);
    expect(load<u32>(desc_at(0), 4)).toBe(BATCH_HEADROOM + 40);
    expect(load<u32>(desc_at(0))).toBe(48);
    expect(mctr_get(M_DECAP)).toBe(1);
    // the same from A2 (not H_1's anchor): spoofed
    memory.copy(t + 8, A2, 16);
    expect(deliver(t, 88, T0 + 90_002)).toBe(0);
    expect(reason()).toBe(M_SPOOFED);
    // inner destination not a kept HoA
    memory.copy(t + 8, A1, 16); memory.copy(t + 64, CN, 16);
    expect(deliver(t, 88, T0 + 90_003)).toBe(0);
    expect(reason()).toBe(M_TUNNEL_UNKNOWN);
  });

  it("the diverted protocols are 41, 43 and 135 (PROTOCOL.md §2.3-2.5), and exactly those from an anchor reach the tunnel or the control plane", () => {
    expect(mn_divert_count()).toBe(3);
    expect(load<u8>(mn_divert_base())).toBe(41);
    expect(load<u8>(mn_divert_base() + 1)).toBe(43);
    expect(load<u8>(mn_divert_base() + 2)).toBe(135);
    // A1 -> CoA, 8 bytes of zeros after the fixed header, every first Next Header
    const pkt = heap.alloc(48);
    memory.fill(pkt, 0, 48);
    store<u32>(pkt, bswap<u32>(0x60000000));
    store<u16>(pkt + 4, bswap<u16>(8)); store<u8>(pkt + 7, 64);
    memory.copy(pkt + 8, A1, 16);
    memory.copy(pkt + 24, mn_coa_ptr(), 16);
    let handled = 0;
    for (let nh: u32 = 0; nh < 256; nh++) {
      store<u8>(pkt + 6, <u8>nh);
      expect(deliver(pkt, 48, T0 + 90_010)).toBe(0);
      const listed = nh == 41 || nh == 43 || nh == 135;
      expect(reason() != M_ANCHOR_OTHER).toBe(listed, `next header ${nh}`);
      if (listed) handled++;
    }
    expect(handled).toBe(3);
    // a Destination Options header first (no DAR message starts with one) is not the core's
    store<u8>(pkt + 6, 60);
    deliver(pkt, 48, T0 + 90_011);
    expect(reason()).toBe(M_ANCHOR_OTHER);
  });

  it("148 drops the site and reports it; release of the current site is refused", () => {
    const coa = site_at(s3) + S_HOA;
    reset();
    bul_tick(T0 + 250 + 320_000); // site 1's refresh (bound at T0+250 with 100 s... long past): a BU is outstanding
    const q = seq(s1);
    const len = build_ba(A1, coa, site_at(s1) + S_HOA, 148, q, 0, 0, 0, 0, 0);
    deliver(REPLY, <u32>len, T0 + 320_300);
    expect(find_event(EV_REJECTED, s1)).toBeGreaterThanOrEqual(0);
    expect(site_used(s1)).toBe(false);
    expect(release(s3, T0 + 320_300)).toBeLessThan(0);
  });
});
