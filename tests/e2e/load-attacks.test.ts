// Attack traffic from the load generator (bench/load/attacks.ts) through a running `fama dar`
// (root only). Per class, the daemon's counters that must move (from its control socket, what
// `fama status --json` prints) and what must not change: the honest MNs' bindings (HoA, CoA,
// sequence number), no binding for an attacker, the daemon alive, its RSS bounded. Not timed.
import { test } from "node:test";
import assert from "node:assert/strict";
import { netnsList } from "../../host/net/ip.js";
import { LoadSession } from "../../bench/load/session.js";
import { keyPool, identities, coaOwner, COA_CLASS } from "../../bench/load/population.js";
import { Fleet } from "../../bench/load/fleet.js";
import { AttackBas, badSignature, garbageMh, tunnelSpoof, validCgaFlood } from "../../bench/load/attacks.js";
import { appearOnLink } from "../../bench/load/sighting.js";
import type { DarStatus } from "../../bench/load/daemon.js";

const notRoot = process.getuid?.() !== 0 && "needs root (network namespaces, /dev/net/tun)";
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const RSS_BOUND = 160 * 1024 * 1024;
const PROBATION_MAX = 20;

test("attacks through fama dar: garbage MH, bad signatures, replays, tunnel spoofing and an unsighted valid-CGA flood move their counters and leave honest bindings alone", { skip: notRoot, timeout: 120_000 }, async (t) => {
  const prefix = `i12l-${process.pid}-a`;
  const s = await LoadSession.open({ prefix, darConfig: { admission: { probationMax: PROBATION_MAX } } });
  try {
    const pool = keyPool(2);
    const ids = identities(s.core, pool, 5);
    await appearOnLink(s.net.ns.gen, ids.map((i) => i.hoa), s.dar);
    const fleet = new Fleet(s.core, s.wire, ids);
    const bas = new AttackBas();
    s.wire.onBa = (ba, len, at) => fleet.handleBa(ba, len, at, (x) => bas.add(coaOwner(x.p, 24)[0], x.status));
    const reg = await fleet.run(fleet.prepare("register", fleet.mns));
    assert.deepEqual(reg.filter((r) => !r.accepted), []);
    const honest = (st: DarStatus) => st.bindings.filter((b) => ids.some((i) => i.hoa === b.hoa)).map((b) => [b.hoa, b.coa, b.seq]).sort();
    const st0 = await s.dar.status(1000);
    const honest0 = honest(st0);
    assert.equal(honest0.length, 5);

    /** Sends `packets`, waits until `done(delta)` holds (or 10 s), returns the counter deltas. */
    const attack = async (packets: Uint8Array[], done: (d: (c: string) => number) => boolean) => {
      const before = (await s.dar.status(0)).counters;
      for (const p of packets) s.wire.send(p);
      let after = before;
      const delta = (c: string) => (after[c] ?? 0) - (before[c] ?? 0);
      for (let i = 0; i < 200 && !done(delta); i++) { await sleep(50); after = (await s.dar.status(0)).counters; }
      return delta;
    };
    const unchanged = async () => {
      const st = await s.dar.status(1000);
      assert.deepEqual(honest(st), honest0, "honest bindings unchanged");
      assert.ok(s.dar.alive, "daemon alive");
      assert.ok(s.dar.rss(st.pid) < RSS_BOUND, `daemon RSS ${s.dar.rss(st.pid)} bytes`);
      return st;
    };

    await t.test("garbage Mobility Headers: dropped as malformed or answered by a (rate-limited) Binding Error", async () => {
      const n = 300;
      const d = await attack(garbageMh(n, 7), (d) => d("mh-malformed") + d("be-sent") + d("rate-limited") + d("mh-unexpected") >= n);
      assert.equal(d("mh-malformed") + d("be-sent") + d("rate-limited") + d("mh-unexpected"), n);
      assert.ok(d("mh-malformed") >= n / 2, `mh-malformed ${d("mh-malformed")}`);
      assert.equal(d("bu-accepted"), 0);
      await unchanged();
    });

    await t.test("bad signatures from a HoA the access link saw: each verified under the budget, BA 148, counted as rejected, no binding", async () => {
      const [attacker] = identities(s.core, pool, 1);
      await appearOnLink(s.net.ns.gen, [attacker!.hoa], s.dar);
      const n = 100;
      const d = await attack(badSignature(s.core, attacker!, n, 3), (d) => d("bu-rejected") >= n);
      assert.equal(d("bu-rejected"), n);
      if ("cga-verified" in st0.counters) assert.equal(d("cga-verified"), n, "one RSA verification each");
      assert.equal(d("bu-accepted"), 0);
      for (let i = 0; i < 40 && bas.count(COA_CLASS.badSig, 148) < n; i++) await sleep(50);
      assert.equal(bas.count(COA_CLASS.badSig, 148), n, bas.describe(COA_CLASS.badSig));
      const st = await unchanged();
      assert.ok(!st.bindings.some((b) => b.hoa === attacker!.hoa));
    });

    await t.test("replays of accepted BUs: BA 135, the bindings keep their sequence numbers", async () => {
      const copies = fleet.mns.flatMap((m) => Array.from({ length: 20 }, () => m.acceptedBu!));
      const before = fleet.unmatchedBas;
      const d = await attack(copies, (d) => d("bu-rejected") >= copies.length);
      assert.equal(d("bu-rejected"), copies.length);
      assert.equal(d("bu-accepted"), 0);
      for (let i = 0; i < 40 && fleet.unmatchedBas - before < copies.length; i++) await sleep(50);
      assert.equal(fleet.unmatchedBas - before, copies.length, "a 135 for every replay (no operation in flight to match it)");
      await unchanged();
    });

    await t.test("tunnel packets with a foreign outer source: dropped as spoofed, nothing decapsulated", async () => {
      const n = 200;
      const d = await attack(tunnelSpoof(ids.map((i) => i.hoa), n), (d) => d("spoofed") >= n);
      assert.equal(d("spoofed"), n);
      assert.equal(d("decap"), 0);
      await unchanged();
    });

    const hasAdmission = "admission-unsighted" in st0.counters;
    await t.test("valid-CGA flood from HoAs never seen on the access link: refused by the admission policy, no attacker binding", { skip: !hasAdmission && "this fama dar has no admission policy (no admission-unsighted counter)" }, async () => {
      const n = 200;
      const flood = validCgaFlood(s.core, pool, n);
      const d = await attack(flood.packets, (d) => d("admission-unsighted") >= n);
      assert.equal(d("admission-unsighted"), n);
      assert.equal(d("bu-accepted"), 0);
      assert.equal(d("cga-verified"), 0, "no RSA work for them");
      const st = await unchanged();
      assert.equal(st.bindingsTotal, 5, "only the honest MNs' bindings");
    });

    await t.test("valid-CGA flood from HoAs the access link saw (an on-link attacker): bindings bounded by probationMax, the rest refused", { skip: !hasAdmission && "this fama dar has no admission policy" }, async () => {
      const n = 50;
      const flood = validCgaFlood(s.core, pool, n);
      await appearOnLink(s.net.ns.gen, flood.ids.map((i) => i.hoa), s.dar);
      const d = await attack(flood.packets, (d) => d("bu-accepted") + d("admission-probation-full") >= n);
      const room = PROBATION_MAX - 5; // the honest MNs are still in their probation
      assert.equal(d("bu-accepted"), room);
      assert.equal(d("admission-probation-full"), n - room);
      const st = await unchanged();
      assert.equal(st.bindings.filter((b) => flood.ids.some((i) => i.hoa === b.hoa)).length, room);
    });
  } finally {
    await s.close();
  }
  assert.deepEqual((await netnsList()).filter((n) => n.startsWith(prefix)), []);
});
