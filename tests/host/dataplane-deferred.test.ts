// The data-plane loop and a role's deferred work (the DAR's queued cga-mode BUs), with the real
// core and the in-memory TUN: BAs the budget holds back leave later without any packet to wake
// the loop, through the afterBatch hook; and a loop parked on timers keeps one readable() wait.
import { test } from "node:test";
import assert from "node:assert/strict";
import { generateKeyPairSync, randomBytes } from "node:crypto";
import { fakeTunPair } from "../../host/tun/fake.js";
import { Dataplane } from "../../host/dataplane.js";
import { loadCore } from "../../host/wasm.js";
import { Dar } from "../../host/core/dar.js";
import { parseDarDaemonConfig } from "../../host/config/dar.js";
import { decodePacket } from "../../host/core/mh.js";
import { cgaAddress } from "../../host/core/cga.js";
import { spkiDer } from "../../host/keys.js";
import { addr, text } from "../support/packets.js";
import { buildBu } from "../support/mobile-node.js";

const core = loadCore();
const ANCHOR = "2001:db8:a:1::1";
const { privateKey: key } = generateKeyPairSync("rsa", { modulusLength: 1024 });

test("deferred BUs beyond the budget's burst leave on the loop's own timer, each after the afterBatch hook; one readable() wait across the timer parks", async () => {
  const dar = new Dar(loadCore());
  // 10 units a second, bucket depth 4, one BU per call: 4 at once, then one every 100 ms.
  dar.configure(parseDarDaemonConfig({ anchor: ANCHOR, prefixes: ["2001:db8:1::/64"], capacity: 64, cgaBudget: { perSecond: 10, perBatch: 1, queue: 16 }, admission: { mode: "open" } }));
  const [kernel, dev] = fakeTunPair("kernel", "tun0", 4096);
  let readableCalls = 0;
  const readable = dev.readable.bind(dev);
  dev.readable = () => { readableCalls++; return readable(); };
  const hooked: number[] = [];
  const plane = new Dataplane({ tun: dev, core: dar, tickMs: 0, afterBatch: (n) => hooked.push(n) });
  const running = plane.run();
  try {
    const bus = Array.from({ length: 8 }, (_, i) => {
      const c = cgaAddress(core, { modifier: new Uint8Array(randomBytes(16)), prefix: addr("2001:db8:1::"), spki: spkiDer(key), sec: 0 });
      return buildBu(core, { coa: "2001:db8:2::100", anchor: ANCHOR, hoa: text(c.address), seq: i + 1, lifetime: 50, cga: { key, params: Buffer.from(c.params).toString("hex") } });
    });
    for (const p of bus) kernel.write(p, 0, p.length);
    const got: Uint8Array[] = [];
    const end = Date.now() + 5000;
    while (got.length < 8 && Date.now() < end) {
      got.push(...kernel.drain());
      await new Promise((r) => setTimeout(r, 10));
    }
    assert.equal(got.length, 8, "every BA written, the last ones with no packet arriving");
    assert.ok(got.every((p) => { const d = decodePacket(core, p); return d.ok && d.mh?.status === 0; }));
    assert.equal(plane.stats.deferredSlots, 8);
    assert.equal(plane.stats.deferredBatches, 8, "one BU per call (perBatch 1)");
    assert.equal(dar.counter("cga-deferred"), 8n);
    assert.equal(dar.counter("cga-stale"), 0n);
    assert.deepEqual(hooked.slice(-4), [1, 1, 1, 1], "the hook saw each deferred call");
    assert.ok(readableCalls <= 2, `readable() called ${readableCalls} times over at least 4 timer parks`);
  } finally {
    await plane.stop();
    await running;
  }
});
