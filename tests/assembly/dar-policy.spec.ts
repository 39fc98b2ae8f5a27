// The DAR's defences inside the module: the cga CPU budget (bucket, cost, per-call cap), the
// deferral queue (bounded, FIFO, stale entries, wait time), the sightings table (expiry,
// full table, the probe window that bounds every operation) and the binding cache's
// probation count.
import { budget_configure, budget_cost, budget_take, budget_batch_begin, budget_wait_ms, budget_tokens } from "../../assembly/dar/cga-budget";
import { queue_configure, queue_push, queue_len, queue_take_into_slots, queue_wait_ms, QUEUE_STALE_MS } from "../../assembly/dar/cga-queue";
import {
  sightings_init_keyed, sightings_configure, sightings_add, sightings_seen, sightings_used, sightings_last_probes, sightings_bytes,
  SIGHTING_PROBE,
} from "../../assembly/dar/sightings";
import { bc_init_keyed, bc_update, bc_remove, bc_overwrite, bc_probation_count, bc_peek, bc_clear, BC_OK, BC_ADDED, BC_REFRESHED } from "../../assembly/dar/binding-cache";
import { E_FLAGS, FLAG_PROBATION, FLAG_HAS_PHKT, ENTRY_SIZE } from "../../assembly/dar/binding-record";
import { events_clear } from "../../assembly/dar/events";
import { ctr_get, counters_reset, C_CGA_STALE, C_SIGHTINGS_EVICTED } from "../../assembly/dar/counters";
import { slot_at, desc_at, BATCH_HEADROOM } from "../../assembly/batch/slots";

const pkt = memory.data(1920, 16);
const addr = memory.data(16, 16);
const coa = memory.data(16, 16);
const rec = memory.data(<i32>ENTRY_SIZE, 16);

function setAddr(p: usize, i: u32): void {
  store<u64>(p, 0xb80d0120_01000100); // 2001:db8:1:1::/64
  store<u64>(p, <u64>i * 0x9e3779b97f4a7c15 + 1, 8);
}

describe("cga budget", () => {
  it("weights a verification by the square of its modulus size, rounded up", () => {
    expect(budget_cost(1024)).toBe(1);
    expect(budget_cost(2048)).toBe(1);
    expect(budget_cost(2049)).toBe(2);
    expect(budget_cost(3072)).toBe(3);
    expect(budget_cost(4096)).toBe(4);
    expect(budget_cost(0)).toBe(1);
  });

  it("refills at perSecond from now_ms, holds at most a tenth of a second, caps each call", () => {
    budget_configure(100, 4); // depth max(4, 4, 10) = 10
    budget_batch_begin();
    expect(budget_take(1, 1000)).toBe(true);
    expect(budget_take(1, 1000)).toBe(true);
    expect(budget_take(1, 1000)).toBe(true);
    expect(budget_take(1, 1000)).toBe(true);
    expect(budget_take(1, 1000)).toBe(false); // per-call cap of 4
    budget_batch_begin();
    expect(budget_take(4, 1000)).toBe(true); // 10 - 4 - 4 = 2 left
    expect(budget_tokens(1000)).toBe(2);
    expect(budget_take(4, 1000)).toBe(false);
    expect(budget_wait_ms(4, 1000)).toBe(20); // 2 units at 0.1 per ms
    expect(budget_take(4, 1020)).toBe(true);
    expect(budget_tokens(1e9)).toBe(10); // never more than the depth
    // A clock that goes back mints nothing.
    budget_batch_begin();
    for (let i = 0; i < 3; i++) expect(budget_take(3, 2e9)).toBe(true);
    expect(budget_take(3, 1000)).toBe(false);
    expect(budget_tokens(1000)).toBe(1);
  });

  it("keeps room for the dearest key even at a tiny rate", () => {
    budget_configure(1, 1);
    budget_batch_begin();
    expect(budget_take(4, 0)).toBe(true);
    budget_batch_begin();
    expect(budget_take(4, 0)).toBe(false);
    expect(budget_wait_ms(4, 0)).toBe(4000);
  });
});

describe("cga deferral queue", () => {
  beforeEach(() => {
    counters_reset();
    queue_configure(0);
  });

  it("holds at most its capacity, FIFO, and fills slots 0..k-1 within the per-call cap", () => {
    queue_configure(3);
    budget_configure(1000, 2);
    for (let i: u32 = 0; i < 4; i++) {
      store<u8>(pkt, <u8>(0x60 + i));
      expect(queue_push(pkt, 100 + i, 1, 0)).toBe(i < 3);
    }
    expect(queue_len()).toBe(3);
    expect(queue_take_into_slots(10)).toBe(2);
    expect(load<u8>(slot_at(0) + BATCH_HEADROOM)).toBe(0x60);
    expect(load<u32>(desc_at(0))).toBe(100);
    expect(load<u8>(slot_at(1) + BATCH_HEADROOM)).toBe(0x61);
    expect(load<u32>(desc_at(1))).toBe(101);
    expect(queue_len()).toBe(1);
    // The ring wraps: two more fit behind the one left.
    expect(queue_push(pkt, 200, 1, 20)).toBe(true);
    expect(queue_push(pkt, 201, 1, 20)).toBe(true);
    expect(queue_push(pkt, 202, 1, 20)).toBe(false);
    expect(queue_take_into_slots(30)).toBe(2);
    expect(load<u32>(desc_at(0))).toBe(102);
    expect(load<u32>(desc_at(1))).toBe(200);
    expect(queue_len()).toBe(1);
    expect(queue_push(pkt, 1921, 1, 30)).toBe(false); // longer than a batch packet
  });

  it("stops at the budget, says how long to wait, drops what waited longer than a second", () => {
    queue_configure(8);
    budget_configure(10, 4); // depth 4
    for (let i: u32 = 0; i < 3; i++) queue_push(pkt, 80, 2, 0);
    expect(queue_take_into_slots(0)).toBe(2); // 4 units: two BUs of cost 2
    expect(queue_len()).toBe(1);
    expect(queue_wait_ms(0)).toBe(200); // 2 units at 10 a second
    expect(queue_take_into_slots(100)).toBe(0);
    expect(queue_take_into_slots(200)).toBe(1);
    queue_push(pkt, 80, 4, 300);
    queue_push(pkt, 80, 1, 300);
    // The bucket holds 0 units at 300: the head waits until it turns stale, then both are dropped.
    expect(queue_wait_ms(300)).toBeLessThanOrEqual(QUEUE_STALE_MS + 1);
    expect(queue_take_into_slots(300 + QUEUE_STALE_MS + 1)).toBe(0);
    expect(queue_len()).toBe(0);
    expect(ctr_get(C_CGA_STALE)).toBe(2);
    expect(queue_wait_ms(5000)).toBe(-1);
  });
});

describe("sightings table", () => {
  beforeEach(() => {
    counters_reset();
    sightings_init_keyed(1024, 0x0123456789abcdef, 0x0fedcba987654321);
    sightings_configure(1024, 60); // same capacity: keeps the table, sets the lifetime
  });

  it("finds what was sighted until the lifetime has passed since it was last seen", () => {
    setAddr(addr, 1);
    expect(sightings_seen(addr, 1000)).toBe(false);
    sightings_add(addr, 1000);
    expect(sightings_seen(addr, 1000)).toBe(true);
    expect(sightings_seen(addr, 61000)).toBe(true);
    expect(sightings_seen(addr, 61001)).toBe(false);
    sightings_add(addr, 50000); // seen again: the lifetime restarts
    expect(sightings_seen(addr, 110000)).toBe(true);
    expect(sightings_used()).toBe(1);
    setAddr(addr, 2);
    expect(sightings_seen(addr, 1000)).toBe(false);
    expect(sightings_bytes()).toBe(2048 * 32); // twice the capacity in slots
  });

  it("stays bounded when far more addresses than slots are sighted: every operation visits at most the probe window", () => {
    sightings_init_keyed(16, 1, 2); // 32 slots
    sightings_configure(16, 3600);
    let maxProbes: u32 = 0;
    for (let i: u32 = 0; i < 10000; i++) {
      setAddr(addr, i);
      sightings_add(addr, 1000 + <f64>i);
      if (sightings_last_probes() > maxProbes) maxProbes = sightings_last_probes();
      sightings_seen(addr, 1000 + <f64>i);
      if (sightings_last_probes() > maxProbes) maxProbes = sightings_last_probes();
    }
    expect(SIGHTING_PROBE).toBe(16);
    expect(maxProbes).toBeLessThanOrEqual(16);
    expect(sightings_used()).toBe(32);
    expect(ctr_get(C_SIGHTINGS_EVICTED)).toBeGreaterThan(9900);
    // The newest sighting is always found (it took the oldest slot of its window).
    setAddr(addr, 9999);
    expect(sightings_seen(addr, 20000)).toBe(true);
    // Most of the early ones were pushed out.
    let early: u32 = 0;
    for (let i: u32 = 0; i < 100; i++) {
      setAddr(addr, i);
      if (sightings_seen(addr, 20000)) early++;
    }
    expect(early).toBeLessThan(5);
  });

  it("evicts expired sightings before live ones, without counting them", () => {
    sightings_init_keyed(16, 1, 2); // 32 slots
    sightings_configure(16, 1); // 1 s lifetime
    // every slot used, so each new sighting must evict
    for (let i: u32 = 0; sightings_used() < 32 && i < 10000; i++) { setAddr(addr, i); sightings_add(addr, 1000); }
    expect(sightings_used()).toBe(32);
    const before = ctr_get(C_SIGHTINGS_EVICTED);
    // 8 new ones never fill a whole probe window (16) by themselves: each window keeps an expired slot
    for (let i: u32 = 100; i < 108; i++) { setAddr(addr, i); sightings_add(addr, 5000); }
    expect(ctr_get(C_SIGHTINGS_EVICTED) - before).toBe(0);
    for (let i: u32 = 100; i < 108; i++) { setAddr(addr, i); expect(sightings_seen(addr, 5000)).toBe(true); }
  });

  it("keeps every live sighting of random addresses up to 10,000 in the default 16,384 table, and nearly all at capacity", () => {
    sightings_init_keyed(16384, 0x243f6a8885a308d3, 0x13198a2e03707344);
    sightings_configure(16384, 3600);
    let x: u64 = 0x9e3779b97f4a7c15; // xorshift64: random interface identifiers in 2001:db8:1:1::/64
    let maxProbes: u32 = 0;
    let evictedAt10k: u64 = 0;
    for (let i: u32 = 0; i < 16384; i++) {
      x ^= x << 13; x ^= x >> 7; x ^= x << 17;
      store<u64>(addr, 0xb80d0120_01000100);
      store<u64>(addr, x, 8);
      sightings_add(addr, 1000);
      if (sightings_last_probes() > maxProbes) maxProbes = sightings_last_probes();
      if (i == 9999) evictedAt10k = ctr_get(C_SIGHTINGS_EVICTED);
    }
    expect(maxProbes).toBeLessThanOrEqual(16);
    expect(evictedAt10k).toBe(0); // the 10k-MN storm: all sighted
    const evicted = ctr_get(C_SIGHTINGS_EVICTED);
    expect(evicted).toBeLessThanOrEqual(16); // at capacity: at most 0.1% pushed out (about 6 expected)
    // what was not pushed out is found, within the window
    x = 0x9e3779b97f4a7c15;
    let found: u32 = 0;
    for (let i: u32 = 0; i < 16384; i++) {
      x ^= x << 13; x ^= x >> 7; x ^= x << 17;
      store<u64>(addr, x, 8);
      if (sightings_seen(addr, 2000)) found++;
      if (sightings_last_probes() > maxProbes) maxProbes = sightings_last_probes();
    }
    expect(found).toBe(16384 - <u32>evicted);
    expect(maxProbes).toBeLessThanOrEqual(16);
    expect(sightings_used()).toBe(16384 - <u32>evicted);
  });
});

describe("probation count", () => {
  beforeEach(() => { events_clear(); });

  it("follows creations, refreshes that end probation, removals, overwrites and clear", () => {
    expect(bc_init_keyed(64, 5, 6)).toBe(BC_OK);
    setAddr(coa, 1000);
    for (let i: u32 = 0; i < 10; i++) {
      setAddr(addr, i);
      expect(bc_update(addr, coa, 1, 60, 0, 0, i < 6 ? FLAG_PROBATION : 0, 0)).toBe(BC_ADDED);
    }
    expect(bc_probation_count()).toBe(6);
    setAddr(addr, 0);
    expect(bc_update(addr, coa, 2, 120, 0, 1, 0, FLAG_PROBATION)).toBe(BC_REFRESHED);
    expect(<u32>load<u8>(bc_peek(addr) + E_FLAGS) & FLAG_PROBATION).toBe(0);
    expect(bc_probation_count()).toBe(5);
    setAddr(addr, 1);
    expect(bc_remove(addr)).toBe(true);
    expect(bc_probation_count()).toBe(4);
    setAddr(addr, 8); // not in probation: overwrite it with a record that is
    const e = bc_peek(addr);
    memory.copy(rec, e, ENTRY_SIZE);
    store<u8>(rec + E_FLAGS, <u8>(FLAG_HAS_PHKT | FLAG_PROBATION));
    bc_overwrite(e, rec);
    expect(bc_probation_count()).toBe(5);
    events_clear();
    bc_clear();
    expect(bc_probation_count()).toBe(0);
  });
});
