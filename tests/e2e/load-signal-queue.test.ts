// The DAR's signalling TUN through a running `fama dar` in the load lab (bench/load/, root only):
//   * a BU to the anchor is read from the signalling TUN (its loop's packetsIn moves, the data
//     TUN's does not), a data packet to the bound HoA from the data TUN (the signalling's does not);
//   * with the daemon stopped (SIGSTOP), a flood of BUs fills the signalling queue and the kernel
//     drops the rest: after SIGCONT, BUs read + the TUN's tx_dropped == BUs sent, exactly, while
//     the data packets sent behind the flood all come through and the data TUN dropped none;
//   * afterwards the daemon answers status and accepts a new BU.
// Not timed: every wait is for a count, with a generous bound.
import { test } from "node:test";
import assert from "node:assert/strict";
import { ip, netnsList } from "../../host/net/ip.js";
import { LoadSession } from "../../bench/load/session.js";
import { LOAD_PLAN } from "../../bench/load/net.js";
import { keyPool, identities, coaOf, COA_CLASS } from "../../bench/load/population.js";
import type { DarStatus } from "../../bench/load/daemon.js";
import { buildBu } from "../support/mobile-node.js";
import { udpPacket } from "../support/packets.js";
import { formatIPv6 } from "../../host/ipv6.js";

const notRoot = process.getuid?.() !== 0 && "needs root (network namespaces, /dev/net/tun)";
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** The signalling TUN's queue (signalTxqueuelen, here its default) and the BUs sent while the
 *  daemon is stopped: well over it. */
const QUEUE = 1024;
const FLOOD = 3000;
/** Data packets sent behind the flood. */
const DATA = 200;
/** UDP payload length that marks the test's data packets. */
const MARK = 33;

/** The kernel's count of packets a device of `ns` dropped on transmit (a TUN: its queue was full). */
async function txDropped(ns: string, dev: string): Promise<number> {
  const [link] = JSON.parse((await ip(["-s", "-j", "link", "show", "dev", dev], ns)).stdout) as { stats64: { tx: { dropped: number } } }[];
  return link!.stats64.tx.dropped;
}

async function until(what: string, cond: () => boolean | Promise<boolean>, detail: () => string = () => "", ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what} ${detail()}`);
    await sleep(50);
  }
}

test("the signalling TUN of fama dar: BUs arrive there and data on the data TUN; a BU flood while the daemon is stopped fills only the signalling queue, every BU read or counted as dropped", { skip: notRoot, timeout: 180_000 }, async () => {
  const prefix = `i12l-${process.pid}-q`;
  const s = await LoadSession.open({ prefix, darConfig: { admission: { mode: "open" }, signalTxqueuelen: QUEUE } });
  try {
    const [id] = identities(s.core, keyPool(1), 1);
    const hoa = id!.hoa;
    const coa = coaOf(0, COA_CLASS.honest);
    const bu = (seq: number) => buildBu(s.core, { coa, anchor: LOAD_PLAN.anchor, hoa, seq, lifetime: 3600, cga: { key: id!.key, params: id!.params } });
    const bas: number[] = [];
    s.wire.onBa = (ba) => { if (formatIPv6(ba.p.subarray(24, 40)) === coa) bas.push(ba.status); };
    let tunnelled = 0;
    s.wire.onTunnelled = (p, len, inner) => {
      if (len === inner + 48 + MARK && formatIPv6(p.subarray(inner + 24, inner + 40)) === hoa) tunnelled++;
    };
    const status = async () => {
      const st = await s.dar.status(10);
      assert.ok(st.dataplane && st.signalling, "status reports both loops");
      return st as DarStatus & { dataplane: NonNullable<DarStatus["dataplane"]>; signalling: NonNullable<DarStatus["signalling"]> };
    };
    // The data TUN has IPv6 on: wait out the kernel's MLD reports after its link came up.
    let settled = await status();
    await until("the data TUN to go quiet", async () => {
      await sleep(1000);
      const st = await status();
      const quiet = st.dataplane.packetsIn === settled.dataplane.packetsIn;
      settled = st;
      return quiet;
    });
    const st0 = settled;
    assert.equal(st0.signalling.tun, "fama0-sig");
    assert.equal(st0.signalling.packetsIn, 0, "nothing of the kernel's own in the signalling TUN");
    assert.equal(st0.signalling.kernelDrops, 0);

    // (a) a cga-mode BU: read from the signalling TUN only; its BA accepted.
    assert.ok(s.wire.send(bu(1)));
    await until("the BA", () => bas.length === 1);
    assert.deepEqual(bas, [0]);
    const st1 = await status();
    assert.equal(st1.signalling.packetsIn - st0.signalling.packetsIn, 1, "the BU came in on the signalling TUN");
    assert.equal(st1.dataplane.packetsIn - st0.dataplane.packetsIn, 0, "and not on the data TUN");
    assert.deepEqual(st1.bindings.map((b) => [b.hoa, b.coa]), [[hoa, coa]]);
    // a data packet from the CN to the bound HoA: read from the data TUN only, tunnelled to the CoA.
    assert.ok(s.wire.sendFromCn(udpPacket(LOAD_PLAN.cnSource, hoa, MARK)));
    await until("the tunnelled packet", () => tunnelled === 1);
    const st2 = await status();
    assert.equal(st2.dataplane.packetsIn - st1.dataplane.packetsIn, 1, "the data packet came in on the data TUN");
    assert.equal(st2.signalling.packetsIn, st1.signalling.packetsIn, "and not on the signalling TUN");

    // (b) the daemon stopped: FLOOD replays of the accepted BU, then DATA data packets behind them.
    const dataDrops0 = await txDropped(s.net.ns.dar, "fama0");
    const pid = st2.pid;
    let refused = 0;
    process.kill(pid, "SIGSTOP");
    try {
      const replay = bu(1);
      for (let i = 0; i < FLOOD; i++) if (!s.wire.send(replay)) refused++;
      for (let i = 0; i < DATA; i++) if (!s.wire.sendFromCn(udpPacket(LOAD_PLAN.cnSource, hoa, MARK))) refused++;
      assert.equal(refused, 0, "the generator's TUNs took every packet");
      await until("the signalling queue to overflow", async () => (await txDropped(s.net.ns.dar, "fama0-sig")) > 0);
    } finally {
      process.kill(pid, "SIGCONT");
    }
    let st3 = st2;
    const read = () => st3.signalling.packetsIn - st2.signalling.packetsIn;
    const dropped = () => st3.signalling.kernelDrops! - st2.signalling.kernelDrops!;
    await until("every BU read or dropped", async () => { st3 = await status(); return read() + dropped() >= FLOOD; }, () => `read ${read()}, dropped ${dropped()}`);
    await until("the data packets behind the flood", () => tunnelled === 1 + DATA, () => `${tunnelled - 1} of ${DATA}`);
    st3 = await status();
    assert.equal(read() + dropped(), FLOOD, `read ${read()} + dropped ${dropped()}: every BU accounted for, nothing else on the signalling TUN`);
    // The kernel drops only at a full queue: QUEUE slots, less the few it has not freed yet after
    // the daemon's earlier reads (its ring frees read slots in batches of 16 on x86-64).
    assert.ok(read() <= QUEUE && read() > QUEUE - 16, `the queue filled: ${read()} read of at most ${QUEUE}`);
    assert.equal(st3.dataplane.packetsIn - st2.dataplane.packetsIn, DATA, "the data TUN read the data packets, no BU");
    assert.equal((await txDropped(s.net.ns.dar, "fama0")) - dataDrops0, 0, "the data TUN's queue dropped nothing");
    assert.equal(st3.dataplane.writeFailures - st2.dataplane.writeFailures, 0);
    await until("the replays' BAs", () => bas.length === 1 + read(), () => `${bas.length - 1} of ${read()}`);
    assert.ok(bas.slice(1).every((b) => b === 135), "each replay read was answered 135 (sequence number not newer)");

    // (c) the daemon is alive, answers status, and its signalling path works: a new BU is accepted.
    assert.ok(s.dar.alive, "daemon alive");
    assert.ok(s.wire.send(bu(2)));
    await until("the new BU's BA", () => bas.length === 2 + read());
    assert.equal(bas.at(-1), 0);
    const st4 = await status();
    assert.equal(st4.signalling.packetsIn - st3.signalling.packetsIn, 1);
    assert.equal(st4.signalling.kernelDrops, st3.signalling.kernelDrops, "no drop without a flood");
    assert.deepEqual(st4.bindings.map((b) => [b.hoa, b.coa, b.seq]), [[hoa, coa, 2]]);
  } finally {
    await s.close();
  }
  assert.deepEqual((await netnsList()).filter((n) => n.startsWith(prefix)), []);
});
