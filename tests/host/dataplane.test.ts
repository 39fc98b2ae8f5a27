// The data-plane loop against the in-memory TUN and the JavaScript reflect core: batching,
// headroom offsets, send/drop verdicts, the afterBatch / afterTick hooks, the async loop.
import { test } from "node:test";
import assert from "node:assert/strict";
import { fakeTunPair } from "../../host/tun/fake.js";
import { Dataplane } from "../../host/dataplane.js";
import { formatIPv6 } from "../../host/ipv6.js";
import { batchSource } from "../../host/core/batch.js";
import { loadCore } from "../../host/wasm.js";
import { ReflectCore } from "../support/reflect-core.js";
import { referenceAddr as addr } from "../support/ipv6-reference.js";

/** A minimal IPv6 + UDP packet (checksum not needed by the reflect core). */
function udp6(src: string, dst: string, payload: number[] | Uint8Array, hop = 64): Uint8Array {
  const p = new Uint8Array(48 + payload.length);
  const dv = new DataView(p.buffer);
  p[0] = 0x60;
  dv.setUint16(4, 8 + payload.length);
  p[6] = 17;
  p[7] = hop;
  p.set(addr(src), 8);
  p.set(addr(dst), 24);
  dv.setUint16(40, 1000);
  dv.setUint16(42, 2000);
  dv.setUint16(44, 8 + payload.length);
  p.set(payload, 48);
  return p;
}

function setup(opts: ConstructorParameters<typeof ReflectCore>[0] = {}, dp: Partial<ConstructorParameters<typeof Dataplane>[0]> = {}) {
  const [kernel, dev] = fakeTunPair("kernel", "tun0", 4096);
  const core = new ReflectCore(opts);
  const hooks: string[] = [];
  const plane = new Dataplane({ tun: dev, core, afterBatch: (n) => hooks.push(`batch ${n} sent ${kernel.pending}`), afterTick: () => hooks.push("tick"), tickMs: 0, now: () => 1234, ...dp });
  return { kernel, dev, core, plane, hooks };
}

test("formatIPv6 compresses the longest zero run", () => {
  assert.equal(formatIPv6(addr("2001:db8::1")), "2001:db8::1");
  assert.equal(formatIPv6(addr("2001:db8:a:1::1")), "2001:db8:a:1::1");
  assert.equal(formatIPv6(addr("::")), "::");
  assert.equal(formatIPv6(addr("2001:0:0:1::1")), "2001:0:0:1::1");
  assert.equal(formatIPv6(addr("fe80::1:0:0:0:2")), "fe80:0:0:1::2");
});

test("forward: every packet comes back unchanged, read at slot+headroom", () => {
  const { kernel, core, plane } = setup({ mode: "forward" });
  const sent = [1, 2, 3, 4, 5].map((i) => udp6("2001:db8:1::100", "2001:db8:c::2", [i, i, i]));
  for (const p of sent) kernel.write(p, 0, p.length); // the "kernel" end routes them into the device
  assert.equal(plane.pump(), 5);
  assert.equal(core.calls.lastN, 5);
  assert.equal(core.calls.lastNow, 1234);
  // The packet bytes sit at slot + headroom in core memory.
  const m = new Uint8Array(core.memory.buffer);
  const slot2 = core.batch.packetAddr(2);
  assert.deepEqual(m.slice(slot2, slot2 + sent[2]!.length), sent[2]);
  const out = kernel.drain();
  assert.deepEqual(out, sent);
  assert.equal(plane.stats.packetsSent, 5);
  assert.equal(plane.pump(), 0, "nothing left: no batch");
  assert.equal(plane.stats.batches, 1);
});

test("batches are bounded by maxBatch and read until the device is empty", () => {
  const { kernel, core, plane } = setup({ mode: "forward", slots: 8 });
  for (let i = 0; i < 20; i++) { const p = udp6("2001:db8:1::1", "2001:db8:2::2", [i]); kernel.write(p, 0, p.length); }
  assert.equal(plane.maxBatch, 8);
  assert.equal(plane.pump(), 8);
  assert.equal(plane.pump(), 8);
  assert.equal(plane.pump(), 4);
  assert.equal(plane.pump(), 0);
  assert.equal(core.calls.batches, 3);
  assert.equal(plane.stats.fullBatches, 2);
  const out = kernel.drain();
  assert.deepEqual(out.map((p) => p[48]), [...Array(20).keys()], "order kept across batches");
});

test("encap: the output starts in the headroom (offset = headroom - 40)", () => {
  const { kernel, plane } = setup({ mode: "encap" });
  const p = udp6("2001:db8:c::2", "2001:db8:1::100", [9, 8, 7, 6]);
  kernel.write(p, 0, p.length);
  plane.pump();
  const [out] = kernel.drain();
  assert.ok(out);
  assert.equal(out.length, p.length + 40);
  assert.equal(out[6], 41, "outer next header");
  assert.equal((out[4]! << 8) | out[5]!, p.length, "outer payload length");
  assert.deepEqual(out.subarray(40), p, "inner packet untouched after the outer header");
});

test("swap: outputs are written from their own slot, per-slot verdicts, drops counted", () => {
  const { kernel, core, plane } = setup({ mode: "swap" });
  const good1 = udp6("2001:db8:1::1", "2001:db8:a:1::1", [1]);
  const bad = new Uint8Array(60).fill(0x45); // IPv4-looking: dropped with reason 1
  const good2 = udp6("2001:db8:2::1", "2001:db8:a:1::1", [2]);
  for (const p of [good1, bad, good2]) kernel.write(p, 0, p.length);
  assert.equal(plane.pump(), 3);
  const out = kernel.drain();
  assert.equal(out.length, 2);
  assert.equal(formatIPv6(out[0]!, 8), "2001:db8:a:1::1");
  assert.equal(formatIPv6(out[0]!, 24), "2001:db8:1::1");
  assert.equal(formatIPv6(out[1]!, 24), "2001:db8:2::1");
  assert.equal(plane.stats.packetsDropped, 1);
  const d = new Uint32Array(core.memory.buffer, core.batch_desc(), 12);
  assert.equal(d[4 + 2], 0, "slot 1 verdict drop");
  assert.equal(d[4 + 3], 1, "slot 1 reason");
});

test("a core output outside its slot is not written", () => {
  const { kernel, core, plane } = setup({ mode: "forward" });
  const orig = core.process.bind(core);
  core.process = (n, now) => {
    const r = orig(n, now);
    const d = new Uint32Array(core.memory.buffer, core.batch_desc(), 4);
    d[1] = core.batch_slot_stride() - 10; // offset + len past the slot end
    return r;
  };
  const p = udp6("2001:db8:1::1", "2001:db8:2::2", [1, 2, 3]);
  kernel.write(p, 0, p.length);
  plane.pump();
  assert.equal(kernel.drain().length, 0);
  assert.equal(plane.stats.badOutputs, 1);
});

test("afterBatch runs after every batch and before its outputs are written; afterTick after every tick", () => {
  const { kernel, core, plane, hooks } = setup({ mode: "forward" });
  for (let i = 0; i < 5; i++) { const p = udp6(`2001:db8:1::${i + 1}`, "2001:db8:2::9", [i]); kernel.write(p, 0, p.length); }
  plane.pump();
  assert.deepEqual(hooks, ["batch 5 sent 0"], "the hook saw the batch, nothing written yet");
  assert.equal(kernel.drain().length, 5, "written after the hook");
  plane.tick();
  assert.equal(core.calls.ticks, 1);
  assert.deepEqual(hooks, ["batch 5 sent 0", "tick"]);
  assert.equal(plane.pump(), 0);
  assert.equal(hooks.length, 2, "no batch, no hook");
});

test("afterBatch can withhold an output by turning its verdict into a drop", () => {
  const [kernel, dev] = fakeTunPair("k", "t", 16);
  const core = new ReflectCore({ mode: "forward" });
  const plane = new Dataplane({ tun: dev, core, tickMs: 0, afterBatch: () => { core.batch.views().desc[1 * 4 + 2] = 0; } });
  for (let i = 0; i < 3; i++) { const p = udp6("2001:db8:1::1", "2001:db8:2::2", [i]); kernel.write(p, 0, p.length); }
  plane.pump();
  assert.deepEqual(kernel.drain().map((p) => p[48]), [0, 2]);
  assert.equal(plane.stats.packetsDropped, 1);
});

test("device full: a refused write is counted, the loop goes on", () => {
  const [kernel, dev] = fakeTunPair("k", "t", 2);
  const core = new ReflectCore({ mode: "forward" });
  const plane = new Dataplane({ tun: dev, core, tickMs: 0 });
  // dev's reads come from its own queue (capacity 2): write 2, pump, then make kernel's queue tiny
  for (let i = 0; i < 2; i++) { const p = udp6("2001:db8:1::1", "2001:db8:2::2", [i]); kernel.write(p, 0, p.length); }
  const pk = udp6("2001:db8:1::1", "2001:db8:2::2", [7]);
  kernel.inject(pk); kernel.inject(pk); // kernel's own queue is now full (capacity 2)
  assert.equal(plane.pump(), 2);
  assert.equal(plane.stats.writeFailures, 2);
  assert.equal(plane.stats.packetsSent, 0);
});

test("run(): the async loop wakes on packets, ticks, and stops", async () => {
  const { kernel, core, plane } = setup({ mode: "swap" }, { tickMs: 5 });
  const done = plane.run();
  assert.ok(plane.isRunning);
  for (let i = 0; i < 300; i++) { const p = udp6("2001:db8:1::1", "2001:db8:2::2", [i & 0xff]); kernel.write(p, 0, p.length); }
  await new Promise((r) => setTimeout(r, 30));
  const p = udp6("2001:db8:1::1", "2001:db8:2::2", [1]);
  kernel.write(p, 0, p.length); // arrives while the loop is idle
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(kernel.drain().length, 301);
  assert.ok(core.calls.batches >= 3, `batches ${core.calls.batches}`); // 256 + 44 + 1
  assert.ok(core.calls.ticks >= 1, "ticked");
  await plane.stop();
  await done;
  assert.equal(plane.isRunning, false);
});

test("run() ends when the device closes", async () => {
  const { dev, plane } = setup();
  const done = plane.run();
  await new Promise((r) => setTimeout(r, 5));
  dev.close();
  await done;
  assert.equal(plane.isRunning, false);
});

test("second input: read after each main batch, at most its maxBatch a turn, its outputs written into the main device", () => {
  const [sigKernel, sigDev] = fakeTunPair("kernel-sig", "tun0-sig", 4096);
  const { kernel, core, plane } = setup({ mode: "forward" }, { signalling: { tun: sigDev, maxBatch: 4 } });
  const data = [1, 2].map((i) => udp6("2001:db8:c::2", "2001:db8:1::100", [i]));
  const flood = Array.from({ length: 10 }, (_, i) => udp6("2001:db8:666::1", "2001:db8:1::1", [i]));
  for (const p of flood) sigKernel.write(p, 0, p.length);
  for (const p of data) kernel.write(p, 0, p.length);
  assert.equal(plane.pump(), 2 + 4, "the data, then 4 of the flood");
  assert.equal(core.calls.batches, 2);
  assert.deepEqual(kernel.drain(), [...data, ...flood.slice(0, 4)], "every output into the main device, data first");
  assert.equal(sigKernel.drain().length, 0, "nothing written into the second input");
  assert.equal(sigDev.pending, 6, "the rest waits in the second input's own queue");
  const more = udp6("2001:db8:c::2", "2001:db8:1::100", [3]);
  kernel.write(more, 0, more.length);
  assert.equal(plane.pump(), 1 + 4);
  assert.deepEqual(kernel.drain()[0], more, "a data packet waits behind one second-input batch at most");
  assert.deepEqual(plane.stats.packetsIn, 3);
  assert.deepEqual(plane.signallingStats?.packetsIn, 8);
  assert.equal(plane.signallingStats?.packetsSent, 8);
});

test("second input: the loop parks on both devices and wakes for either", async () => {
  const [sigKernel, sigDev] = fakeTunPair("kernel-sig", "tun0-sig", 4096);
  const { kernel, plane } = setup({ mode: "forward" }, { signalling: { tun: sigDev, maxBatch: 4 } });
  const done = plane.run();
  await new Promise((r) => setTimeout(r, 10));
  const bu = udp6("2001:db8:2::9", "2001:db8:1::1", [7]);
  sigKernel.write(bu, 0, bu.length); // only the second input has something
  await new Promise((r) => setTimeout(r, 20));
  assert.deepEqual(kernel.drain(), [bu]);
  const p = udp6("2001:db8:c::2", "2001:db8:1::100", [8]);
  kernel.write(p, 0, p.length);
  await new Promise((r) => setTimeout(r, 20));
  assert.deepEqual(kernel.drain(), [p]);
  await plane.stop();
  await done;
});

test("second input with offloads is refused", () => {
  const [, sigDev] = fakeTunPair("kernel-sig", "tun0-sig", 16);
  (sigDev as unknown as { vnetHdrLen: number }).vnetHdrLen = 10;
  assert.throws(() => setup({}, { signalling: { tun: sigDev, maxBatch: 4 } }), /must have no offloads/);
});

test("batchSource names the batch exports a core lacks", () => {
  const core = loadCore();
  const { batch_desc: _d, batch_headroom: _h, ...rest } = core.exports;
  assert.throws(() => batchSource({ ...core, exports: rest as typeof core.exports }), /batch_desc, batch_headroom/);
  assert.doesNotThrow(() => batchSource(core));
});
