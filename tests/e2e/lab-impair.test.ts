// The lab with its access links through the impairment wire (`fama lab --fixed --impair ...`,
// host/lab/impair-stage.ts), root only: with 30% of the BUs and BAs dropped (seed 7), the MN's
// TCP session from H_1 survives DAR1 -> DAR2 -> DAR3 -> DAR1, every byte intact, and the stage
// really dropped signalling frames. Not timed.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { Lab, LAB_PREFIX } from "../../host/lab/lab.js";
import { Tour } from "../../host/lab/tour.js";
import { parseImpair } from "../../host/lab/impair.js";
import { netnsList } from "../../host/net/ip.js";
import { VECTORS_DIR } from "../../host/paths.js";

const notRoot = process.getuid?.() !== 0 && "needs root (network namespaces, /dev/net/tun)";
const key = join(VECTORS_DIR, "keys", "mn-b-rsa2048.pem");

test("lab through the impairment wire, 30% of BUs and BAs dropped: the TCP session survives three moves intact", { skip: notRoot || (!existsSync("/usr/bin/python3") && "needs python3"), timeout: 240_000 }, async (t) => {
  const prefix = `${LAB_PREFIX}${process.pid}-i12i-`;
  const lab = await Lab.start({ prefix, keyFile: key, impair: parseImpair("drop=0.3,seed=7"), say: (s) => t.diagnostic(s) });
  try {
    const tour = await Tour.open(lab, { dwellMs: 1500, say: (s) => t.diagnostic(s) });
    const s = await tour.run(3);
    assert.deepEqual(s.handovers.map((h) => [h.from, h.to]), [[1, 2], [2, 3], [3, 1]]);
    assert.ok(s.tcp.bytesSent > 100_000, `TCP sent ${s.tcp.bytesSent}`);
    assert.equal(s.tcp.bytesReceived, s.tcp.bytesSent, "every TCP byte arrived");
    assert.equal(s.tcp.intact, true, "TCP stream intact and in order");
    await new Promise((r) => setTimeout(r, 1200));
    const stats = lab.impairment!.stats();
    t.diagnostic(`impairment: ${JSON.stringify(stats)}; handovers ${s.handovers.map((h) => `${h.latencyMs} ms`).join(", ")}`);
    assert.ok(stats.drop! > 0 && stats.pass! > 0, JSON.stringify(stats));
  } finally {
    await lab.destroy();
  }
  assert.deepEqual((await netnsList()).filter((n) => n.startsWith(prefix)), []);
});
