// Measures the host data-plane loop (host/dataplane.ts + host/tun/linux.ts) with the trivial
// "forward" reflect core as a user-space router hop, against kernel forwarding, in the lab
// topology (CN - core - DAR1 - MN, one DAR). In DAR1: `ip -6 rule add iif acc lookup 100` with
// table 100 `::/0 dev <tun>`: packets from the MN enter the TUN, the loop writes them back, they
// arrive with iif <tun>, skip the rule and take the main table to the core and the CN
// (PERFORMANCE-NOTES.md). iperf3 client in the MN, server in the CN.
//
//   node build/js/bench/measure-tun.js [--seconds 5] [--prefix fama-m-]     (root)
//
// Also reports the loop's cost without the kernel (in-memory TUN), per packet.
import { Topology, PLAN } from "../host/lab/topology.js";
import { openTun } from "../host/tun/linux.js";
import type { Tun } from "../host/tun/types.js";
import { Dataplane } from "../host/dataplane.js";
import { ReflectCore } from "../tests/support/reflect-core.js";
import { ip, netnsExec } from "../host/net/ip.js";

const args = process.argv.slice(2);
const opt = (name: string, dflt: string) => { const i = args.indexOf(name); return i >= 0 ? args[i + 1]! : dflt; };
const seconds = Number(opt("--seconds", "5"));
const prefix = opt("--prefix", `fama-m${process.pid}-`);
const modes = opt("--modes", "kernel,readable,sleep").split(",");

interface Result { mode: string; test: string; pps?: number; gbps?: number; lost?: number; userUsPerPkt?: number; sysUsPerPkt?: number; loopPkts?: number; batches?: number }

async function iperf(topo: Topology, udp: boolean): Promise<{ pps: number; gbps: number; lost: number }> {
  const server = topo.netScope.spawn(topo.ns.cn, "iperf3", ["-s", "-1", "-B", PLAN.cn]);
  await new Promise((r) => setTimeout(r, 300));
  const cargs = ["-c", PLAN.cn, "-t", String(seconds), "--json"];
  if (udp) cargs.push("-u", "-b", "0", "-l", "64");
  const { stdout } = await netnsExec(topo.ns.mn, "iperf3", cargs, { timeoutMs: (seconds + 20) * 1000 });
  if (server.exitCode === null && server.signalCode === null) await new Promise((r) => server.once("exit", r));
  const j = JSON.parse(stdout);
  if (udp) {
    const s = j.end.sum;
    const received = s.packets - s.lost_packets;
    return { pps: received / s.seconds, gbps: (s.bits_per_second * (1 - s.lost_percent / 100)) / 1e9, lost: s.lost_percent };
  }
  return { pps: 0, gbps: j.end.sum_received.bits_per_second / 1e9, lost: 0 };
}

async function main(): Promise<void> {
  if (process.getuid?.() !== 0) { console.error("measure-tun needs root (namespaces, TUN)"); process.exit(1); }
  const results: Result[] = [];
  const topo = await Topology.build({ prefix, dars: 1 });
  try {
    const dar = topo.darNs(1);
    for (const mode of modes) {
      for (const udp of [true, false]) {
        const test = udp ? "udp64" : "tcp";
        if (mode === "kernel") {
          const r = await iperf(topo, udp);
          results.push({ mode, test, ...r });
          continue;
        }
        const tun = await openTun({ name: `fmm${process.pid % 10000}t${results.length}`, netns: dar, mtu: 1500, txqueuelen: 5000 });
        await ip(["-6", "route", "add", "::/0", "dev", tun.name, "table", "100"], dar);
        await ip(["-6", "rule", "add", "iif", "acc", "lookup", "100"], dar);
        const core = new ReflectCore({ mode: "forward" });
        const plane = new Dataplane({ tun, core, idle: mode === "sleep" ? "sleep" : "readable", sleepMs: 1 });
        const running = plane.run();
        const cpu0 = process.cpuUsage();
        try {
          const r = await iperf(topo, udp);
          const cpu = process.cpuUsage(cpu0);
          const n = plane.stats.packetsIn || 1;
          results.push({ mode, test, ...r, userUsPerPkt: cpu.user / n, sysUsPerPkt: cpu.system / n, loopPkts: plane.stats.packetsIn, batches: plane.stats.batches });
        } finally {
          await plane.stop();
          await running;
          await ip(["-6", "rule", "del", "iif", "acc", "lookup", "100"], dar);
          tun.close();
        }
      }
    }
  } finally {
    await topo.destroy();
  }

  // The loop alone (no kernel): a stub device that hands out one fixed 112-byte packet per read
  // (a memcpy into the slot) and swallows writes, so the figure is the loop + reflect core cost.
  const pkt = new Uint8Array(40 + 8 + 64); pkt[0] = 0x60;
  let left = 0;
  const stub: Tun = {
    name: "stub", fd: -1, closed: false,
    readInto(buf, offset) { if (left === 0) return 0; left--; buf.set(pkt, offset); return pkt.length; },
    write() { return true; },
    waitReadable() { return left > 0; },
    readable() { return Promise.resolve(left > 0); },
    close() {},
  };
  const plane = new Dataplane({ tun: stub, core: new ReflectCore({ mode: "forward" }), tickMs: 0 });
  const rounds = 4000;
  let t0 = 0n;
  for (let warm = 0; warm < 2; warm++) {
    t0 = process.hrtime.bigint();
    for (let r = 0; r < rounds; r++) { left = 256; plane.pump(); }
  }
  const perPkt = Number(process.hrtime.bigint() - t0) / (rounds * 256);
  console.log("mode       test    pkts/s    Gb/s   lost%  user µs/pkt  sys µs/pkt  batches  pkts/batch");
  for (const r of results) {
    console.log([
      r.mode.padEnd(10), r.test.padEnd(6), (r.pps ? Math.round(r.pps).toString() : "-").padStart(8), r.gbps!.toFixed(2).padStart(6),
      (r.lost ?? 0).toFixed(1).padStart(6), (r.userUsPerPkt?.toFixed(2) ?? "-").padStart(12), (r.sysUsPerPkt?.toFixed(2) ?? "-").padStart(11),
      (r.batches?.toString() ?? "-").padStart(8), (r.batches ? (r.loopPkts! / r.batches).toFixed(1) : "-").padStart(11),
    ].join(" "));
  }
  console.log(`loop + reflect core without syscalls (stub device, batches of 256): ${perPkt.toFixed(0)} ns/packet`);
  console.log(JSON.stringify({ results, fakeNsPerPacket: perPkt }));
}

await main();
