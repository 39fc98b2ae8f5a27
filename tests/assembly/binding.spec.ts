// Binding cache: insert/lookup/delete with many entries, Robin Hood probing and
// backward-shift deletion under forced hash collisions, capacity, expiry, events.
import { bc_init, bc_init_keyed, bc_update, bc_lookup, bc_remove, bc_peek, bc_count, bc_expire, bc_max_probe, bc_slots_for, bc_test_force_hash, bc_bytes, bc_capacity, bc_clear, bc_key_hash, bc_candidate_slot, bc_slot_entry, bc_lookup_candidate, bc_epoch, BC_ADDED, BC_MOVED, BC_REFRESHED, BC_FULL, BC_OK, BC_ERR_CAPACITY, BC_ERR_LIFETIME } from "../../assembly/dar/binding-cache";
import { E_HOA, E_COA, E_SEQ, E_PHKT, E_FLAGS, E_EXPIRY, E_LIFETIME, FLAG_HAS_PHKT, ENTRY_SIZE } from "../../assembly/dar/binding-record";
import {
  events_count, events_clear, events_base, EV_ADDED, EV_MOVED, EV_REMOVED, EV_REFRESHED,
  EVENT_SIZE, EVENT_KIND, EVENT_LIFETIME, EVENT_SEQ, EVENT_RECORD,
} from "../../assembly/dar/events";
import { addr_eq } from "../../assembly/wire/bytes";

const hoa = memory.data(16, 16);
const coa = memory.data(16, 16);
const coa2 = memory.data(16, 16);
const phkt = memory.data(8, 8);

function setHoa(i: u32): void {
  store<u64>(hoa, 0xb80d0120_01000100); // 2001:0db8:0001:0001 (little-endian load)
  store<u64>(hoa, <u64>i * 0x9e3779b97f4a7c15 ^ 0x1234, 8);
}
function setCoa(p: usize, i: u32): void {
  store<u64>(p, 0xb80d0120_01000200);
  store<u64>(p, <u64>i + 1, 8);
}

describe("binding cache", () => {
  beforeEach(() => {
    bc_test_force_hash(false, 0);
    events_clear();
  });

  it("sizes the table to a power of two at load <= 0.75 and <= 128 bytes per binding", () => {
    expect(bc_slots_for(3)).toBe(16);
    expect(bc_slots_for(1000)).toBe(2048);
    expect(bc_slots_for(1536)).toBe(2048);
    expect(bc_slots_for(1537)).toBe(4096);
    expect(bc_slots_for(1000000)).toBe(2097152);
    expect(bc_init(0)).toBe(BC_ERR_CAPACITY);
    expect(bc_init_keyed(1000, 0x1234567890abcdef, 0xfedcba0987654321)).toBe(BC_OK);
    expect(bc_bytes() / <f64>bc_capacity()).toBeLessThanOrEqual(128);
    expect(bc_bytes()).toBe(<f64>(2048 * 8 + 1000 * ENTRY_SIZE));
  });

  it("inserts, finds and deletes 3000 bindings; lookups stay exact after every delete", () => {
    expect(bc_init_keyed(4000, 0x1234567890abcdef, 0xfedcba0987654321)).toBe(BC_OK);
    for (let i: u32 = 0; i < 3000; i++) {
      setHoa(i); setCoa(coa, i);
      expect(bc_update(hoa, coa, i, 100, 0, 0)).toBe(BC_ADDED);
    }
    expect(bc_count()).toBe(3000);
    expect(bc_max_probe()).toBeLessThan(32);
    for (let i: u32 = 0; i < 3000; i++) {
      setHoa(i); setCoa(coa, i);
      const e = bc_lookup(hoa, 1);
      expect(e).not.toBe(0);
      expect(addr_eq(e + E_COA, coa)).toBe(true);
      expect(<u32>load<u16>(e + E_SEQ)).toBe(i & 0xffff);
    }
    setHoa(99999);
    expect(bc_lookup(hoa, 1)).toBe(0);
    // Delete every other one, then check all again.
    for (let i: u32 = 0; i < 3000; i += 2) {
      setHoa(i);
      expect(bc_remove(hoa)).toBe(true);
      expect(bc_remove(hoa)).toBe(false);
    }
    expect(bc_count()).toBe(1500);
    for (let i: u32 = 0; i < 3000; i++) {
      setHoa(i); setCoa(coa, i);
      const e = bc_lookup(hoa, 1);
      if (i % 2 == 0) expect(e).toBe(0);
      else {
        expect(e).not.toBe(0);
        expect(addr_eq(e + E_COA, coa)).toBe(true);
      }
    }
  });

  it("keeps one long collision run correct through backward-shift deletion", () => {
    expect(bc_init_keyed(64, 0x1234567890abcdef, 0xfedcba0987654321)).toBe(BC_OK);
    bc_test_force_hash(true, 0x7f); // every HoA has the same home slot: one run of 40
    for (let i: u32 = 0; i < 40; i++) {
      setHoa(i); setCoa(coa, i);
      expect(bc_update(hoa, coa, i, 100, 0, 0)).toBe(BC_ADDED);
    }
    expect(bc_max_probe()).toBe(39);
    // Remove from the middle, the front and the back of the run.
    const gone: u32[] = [20, 0, 39, 5, 6, 7, 33];
    for (let k = 0; k < gone.length; k++) {
      setHoa(gone[k]);
      expect(bc_remove(hoa)).toBe(true);
    }
    expect(bc_max_probe()).toBe(39 - gone.length);
    for (let i: u32 = 0; i < 40; i++) {
      setHoa(i); setCoa(coa, i);
      const e = bc_lookup(hoa, 1);
      if (gone.includes(i)) expect(e).toBe(0);
      else {
        expect(e).not.toBe(0);
        expect(addr_eq(e + E_COA, coa)).toBe(true);
      }
    }
    // Re-insert them: the run is whole again.
    for (let k = 0; k < gone.length; k++) {
      setHoa(gone[k]); setCoa(coa, gone[k]);
      expect(bc_update(hoa, coa, 1, 100, 0, 0)).toBe(BC_ADDED);
    }
    expect(bc_count()).toBe(40);
    expect(bc_max_probe()).toBe(39);
  });

  it("candidate lookups (batch path) agree with bc_lookup: colliding tags, absent keys, stale epochs", () => {
    expect(bc_init_keyed(64, 0x1234567890abcdef, 0xfedcba0987654321)).toBe(BC_OK);
    // 20 HoAs with one hash tag (one run: only the first is its tag's candidate), 20 with
    // their own hashes.
    bc_test_force_hash(true, 0x35);
    for (let i: u32 = 0; i < 20; i++) { setHoa(i); setCoa(coa, i); expect(bc_update(hoa, coa, i, 100, 0, 0)).toBe(BC_ADDED); }
    bc_test_force_hash(false, 0);
    for (let i: u32 = 20; i < 40; i++) { setHoa(i); setCoa(coa, i); expect(bc_update(hoa, coa, i, 100, 0, 0)).toBe(BC_ADDED); }
    for (let round = 0; round < 2; round++) {
      for (let i: u32 = 0; i < 50; i++) {
        bc_test_force_hash(i < 20, 0x35);
        setHoa(i);
        const h = bc_key_hash(hoa);
        const c = bc_candidate_slot(h);
        const ep = bc_epoch();
        const expected = bc_lookup(hoa, 1);
        if (i >= 40) expect(expected).toBe(0);
        if (c < 0) expect(expected).toBe(0);
        expect(bc_lookup_candidate(hoa, h, c, c < 0 ? 0 : bc_slot_entry(c), ep, 1)).toBe(expected);
        // The same candidate after the table changed: the stale epoch forces the full probe.
        if (round == 1 && c >= 0) {
          const rec = bc_slot_entry(c);
          setHoa(i == 0 ? 1 : 0);
          bc_test_force_hash(true, 0x35);
          const removed = bc_remove(hoa);
          bc_test_force_hash(i < 20, 0x35);
          setHoa(i);
          expect(bc_epoch()).not.toBe(ep);
          expect(bc_lookup_candidate(hoa, h, c, rec, ep, 1)).toBe(bc_lookup(hoa, 1));
          expect(bc_lookup(hoa, 1)).not.toBe(0);
          if (removed) { // put it back for the next HoA
            bc_test_force_hash(true, 0x35);
            setHoa(i == 0 ? 1 : 0); setCoa(coa, 0);
            bc_update(hoa, coa, 1, 100, 0, 0);
          }
        }
      }
    }
    // An absent HoA whose hash tag no binding has: no candidate.
    bc_test_force_hash(true, 0x77777777);
    setHoa(999);
    expect(bc_candidate_slot(bc_key_hash(hoa))).toBe(-1);
    expect(bc_lookup_candidate(hoa, bc_key_hash(hoa), -1, 0, bc_epoch(), 1)).toBe(0);
  });

  it("two colliding runs that wrap around the end of the table", () => {
    expect(bc_init_keyed(12, 0x1234567890abcdef, 0xfedcba0987654321)).toBe(BC_OK); // 16 slots
    bc_test_force_hash(true, 14);
    for (let i: u32 = 0; i < 6; i++) { setHoa(i); setCoa(coa, i); bc_update(hoa, coa, i, 100, 0, 0); }
    bc_test_force_hash(true, 15);
    for (let i: u32 = 6; i < 12; i++) { setHoa(i); setCoa(coa, i); bc_update(hoa, coa, i, 100, 0, 0); }
    expect(bc_count()).toBe(12);
    setHoa(100); setCoa(coa, 100);
    expect(bc_update(hoa, coa, 1, 100, 0, 0)).toBe(BC_FULL);
    bc_test_force_hash(true, 14);
    setHoa(2); expect(bc_remove(hoa)).toBe(true);
    for (let i: u32 = 0; i < 12; i++) {
      bc_test_force_hash(true, i < 6 ? 14 : 15);
      setHoa(i);
      if (i == 2) expect(bc_lookup(hoa, 1)).toBe(0);
      else expect(bc_lookup(hoa, 1)).not.toBe(0);
    }
  });

  it("reports a full cache, and updates without new room", () => {
    expect(bc_init_keyed(2, 0x1234567890abcdef, 0xfedcba0987654321)).toBe(BC_OK);
    setCoa(coa, 0);
    setHoa(1); expect(bc_update(hoa, coa, 1, 10, 0, 0)).toBe(BC_ADDED);
    setHoa(2); expect(bc_update(hoa, coa, 1, 10, 0, 0)).toBe(BC_ADDED);
    setHoa(3); expect(bc_update(hoa, coa, 1, 10, 0, 0)).toBe(BC_FULL);
    setHoa(2); expect(bc_update(hoa, coa, 2, 10, 0, 0)).toBe(BC_REFRESHED);
    setCoa(coa2, 7);
    expect(bc_update(hoa, coa2, 3, 10, 0, 0)).toBe(BC_MOVED);
    expect(bc_update(hoa, coa2, 3, 0, 0, 0)).toBe(BC_ERR_LIFETIME);
  });

  it("stores the PHKT and keeps it when an update passes none", () => {
    expect(bc_init_keyed(8, 0x1234567890abcdef, 0xfedcba0987654321)).toBe(BC_OK);
    setHoa(1); setCoa(coa, 1);
    store<u64>(phkt, 0x0807060504030201);
    bc_update(hoa, coa, 1, 10, phkt, 0);
    let e = bc_peek(hoa);
    expect(load<u8>(e + E_FLAGS) & <u8>FLAG_HAS_PHKT).toBe(<u8>FLAG_HAS_PHKT);
    expect(load<u64>(e + E_PHKT)).toBe(0x0807060504030201);
    bc_update(hoa, coa, 2, 20, 0, 1000);
    e = bc_peek(hoa);
    expect(load<u64>(e + E_PHKT)).toBe(0x0807060504030201);
    expect(load<f64>(e + E_EXPIRY)).toBe(21000);
    expect(load<u32>(e + E_LIFETIME)).toBe(20);
  });

  it("emits added, refreshed, moved and removed events, each with the binding's record", () => {
    expect(bc_init_keyed(8, 0x1234567890abcdef, 0xfedcba0987654321)).toBe(BC_OK);
    events_clear();
    setHoa(1); setCoa(coa, 1); setCoa(coa2, 2);
    bc_update(hoa, coa, 5, 30, 0, 0);
    bc_update(hoa, coa, 6, 35, 0, 0); // refresh: same CoA
    bc_update(hoa, coa2, 7, 40, 0, 0);
    bc_remove(hoa);
    expect(events_count()).toBe(4);
    const ev = events_base();
    const rec = ev + EVENT_RECORD;
    expect(load<u32>(ev + EVENT_KIND)).toBe(EV_ADDED);
    expect(load<u32>(ev + EVENT_LIFETIME)).toBe(30);
    expect(addr_eq(rec + E_HOA, hoa)).toBe(true);
    expect(addr_eq(rec + E_COA, coa)).toBe(true);
    expect(load<u32>(ev + EVENT_SEQ)).toBe(5);
    expect(load<u16>(rec + E_SEQ)).toBe(5);
    const r2 = ev + EVENT_SIZE;
    expect(load<u32>(r2 + EVENT_KIND)).toBe(EV_REFRESHED);
    expect(load<u32>(r2 + EVENT_LIFETIME)).toBe(35);
    expect(load<u32>(r2 + EVENT_SEQ)).toBe(6);
    expect(load<u32>(r2 + EVENT_RECORD + E_LIFETIME)).toBe(35);
    expect(addr_eq(r2 + EVENT_RECORD + E_COA, coa)).toBe(true);
    const r3 = ev + 2 * EVENT_SIZE;
    expect(load<u32>(r3 + EVENT_KIND)).toBe(EV_MOVED);
    expect(addr_eq(r3 + EVENT_RECORD + E_COA, coa2)).toBe(true);
    expect(load<u32>(r3 + EVENT_SEQ)).toBe(7);
    const r4 = ev + 3 * EVENT_SIZE;
    expect(load<u32>(r4 + EVENT_KIND)).toBe(EV_REMOVED);
    expect(load<u32>(r4 + EVENT_LIFETIME)).toBe(0);
    expect(addr_eq(r4 + EVENT_RECORD + E_HOA, hoa)).toBe(true);
    expect(addr_eq(r4 + EVENT_RECORD + E_COA, coa2)).toBe(true);
  });

  it("expires lazily on lookup and by a bounded sweep", () => {
    expect(bc_init_keyed(1000, 0x1234567890abcdef, 0xfedcba0987654321)).toBe(BC_OK);
    for (let i: u32 = 0; i < 500; i++) {
      setHoa(i); setCoa(coa, i);
      bc_update(hoa, coa, 1, i < 250 ? 10 : 100, 0, 0); // expire at 10 s or 100 s
    }
    events_clear();
    setHoa(3);
    expect(bc_lookup(hoa, 9999)).not.toBe(0);
    expect(bc_lookup(hoa, 10000)).toBe(0);
    expect(bc_count()).toBe(499);
    expect(events_count()).toBe(1);
    // A sweep of 100 records removes at most 100.
    const first = bc_expire(10000, 100);
    expect(first).toBeLessThanOrEqual(100);
    let total = first;
    for (let k = 0; k < 20; k++) total += bc_expire(10000, 100);
    expect(total).toBe(249);
    expect(bc_count()).toBe(250);
    for (let i: u32 = 0; i < 500; i++) {
      setHoa(i);
      if (i < 250) expect(bc_peek(hoa)).toBe(0);
      else expect(bc_lookup(hoa, 10000)).not.toBe(0);
    }
    bc_clear();
    expect(bc_count()).toBe(0);
  });
});
