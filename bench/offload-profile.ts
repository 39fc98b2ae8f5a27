// Where a kept TCP flow's time goes, per segment and per direction, with TUN offloads on or off
// (docs/OFFLOAD.md shows a run). Root, iperf3:
//
//   node build/js/bench/offload-profile.js [--seconds 5] [--offload on|off]
//
// Part 1 (the core alone, no root): the offload passes on the packet path, timed in a loop and
// per segment: offload_rx cutting a 64 KB super-packet into 45 segments with their checksums,
// offload_tx coalescing 45 segments back (checksums verified) into one.
// Part 2 (the lab, host/lab/lab.ts, its default tunnel MTU 1460 so that every link keeps MTU
// 1500; DAR1 encapsulates, the MN at DAR2 decapsulates): one iperf3
// TCP stream CN -> H_1, then H_1 -> CN (iperf3 -R), and for each the DAR1 daemon's and the MN
// agent's user and system CPU (/proc/PID/stat; system time is the kernel work done in the
// daemon's own system calls: the TUN read and write, and what the kernel does inline for them),
// their reads and writes (data-plane counters) per tunnelled segment, and the machine's softirq
// time (/proc/stat, all CPUs: the forwarding the kernel did elsewhere; other processes of this
// shared machine count too). Segments: DAR1's encap counter (CN -> H_1), decap (H_1 -> CN).
import { readFileSync, existsSync } from "node:fs";
import { loadavg } from "node:os";
import { join } from "node:path";
import { loadCore } from "../host/wasm.js";
import { BatchMemory, batchSource, DESC_WORDS, D_LEN, D_OFFSET, D_VERDICT, VERDICT_SEND } from "../host/core/batch.js";
import { Offload } from "../host/offload.js";
import { Lab } from "../host/lab/lab.js";
import { netnsExec, run as runCmd } from "../host/net/ip.js";
import { queryDaemon } from "../host/control/socket.js";
import { VECTORS_DIR } from "../host/paths.js";

const args = process.argv.slice(2);
const opt = (name: string, dflt: string) => { const i = args.indexOf(name); return i >= 0 ? args[i + 1]! : dflt; };
const SECONDS = Number(opt("--seconds", "5"));
const OFFLOAD = opt("--offload", "on") !== "off";
const KEY = join(VECTORS_DIR, "keys", "mn-b-rsa2048.pem");

function corePasses(): string[] {
  const core = loadCore();
  const batch = new BatchMemory(batchSource(core));
  const off = new Offload(core, { maxInner: 1500 });
  const MSS = 1428, SEGS = 45, THLEN = 32;
  const payload = MSS * SEGS;
  // a TCP/IPv6 super-packet with timestamps and a TSO header, rebuilt in slot 0 before each pass
  const pkt = new Uint8Array(40 + THLEN + payload);
  const v = new DataView(pkt.buffer);
  v.setUint32(0, 0x60000000); v.setUint16(4, THLEN + payload); pkt[6] = 6; pkt[7] = 64;
  for (let i = 8; i < 40; i++) pkt[i] = i;
  v.setUint16(40, 40000); v.setUint16(42, 5201); v.setUint32(44, 1000); v.setUint32(48, 1); pkt[52] = (THLEN / 4) << 4; pkt[53] = 0x10;
  for (let i = 40 + THLEN; i < pkt.length; i++) pkt[i] = (i * 7) & 0xff;
  const hdr = new Uint8Array(10);
  new DataView(hdr.buffer).setUint16(4, MSS, true); hdr[0] = 1; hdr[1] = 4;
  const put = () => { const { mem, desc } = batch.views(); mem.set(hdr, batch.packetAddr(0) - 10); mem.set(pkt, batch.packetAddr(0)); desc[D_LEN] = pkt.length; };
  const asOutputs = (n: number) => { const { desc } = batch.views(); for (let i = 0; i < n; i++) { desc[i * DESC_WORDS + D_OFFSET] = batch.headroom; desc[i * DESC_WORDS + D_VERDICT] = VERDICT_SEND; } };
  const ROUNDS = 2000;
  let rxNs = 0, txNs = 0, putNs = 0;
  for (let r = 0; r < ROUNDS; r++) {
    const t0 = process.hrtime.bigint();
    put();
    const t1 = process.hrtime.bigint();
    const n = off.rx(1);
    const t2 = process.hrtime.bigint();
    asOutputs(n);
    const t3 = process.hrtime.bigint();
    off.tx(n);
    const t4 = process.hrtime.bigint();
    if (n !== SEGS || batch.views().desc[D_LEN] !== pkt.length + 10) throw new Error(`core passes: ${n} segments, coalesced ${batch.views().desc[D_LEN]}`);
    if (r >= ROUNDS / 10) { putNs += Number(t1 - t0); rxNs += Number(t2 - t1); txNs += Number(t4 - t3); }
  }
  const k = (ROUNDS - ROUNDS / 10) * SEGS;
  return [
    `| core: offload_rx, 64 KB super-packet -> 45 segments (copy, TCP checksum each) | ${(rxNs / k).toFixed(0)} ns a segment |`,
    `| core: offload_tx, 45 segments -> 1 super-packet (checksums verified, payload moved) | ${(txNs / k).toFixed(0)} ns a segment |`,
    `| (JS copying the 64 KB test packet into the slot, for scale) | ${(putNs / k).toFixed(0)} ns a segment |`,
  ];
}

function cpu(pid: number): { user: number; sys: number } {
  const f = readFileSync(`/proc/${pid}/stat`, "utf8");
  const x = f.slice(f.lastIndexOf(")") + 2).split(" ");
  return { user: Number(x[11]), sys: Number(x[12]) };
}
function softirq(): number {
  const l = readFileSync("/proc/stat", "utf8").split("\n")[0]!.trim().split(/\s+/);
  return Number(l[7]); // cpu user nice system idle iowait irq softirq
}

async function labPart(): Promise<string[]> {
  if (process.getuid?.() !== 0) return ["| lab part | skipped: needs root |"];
  const tck = Number((await runCmd("getconf", ["CLK_TCK"])).stdout.trim()) || 100;
  const lab = await Lab.start({ offload: OFFLOAD, keyFile: existsSync(KEY) ? KEY : undefined, idleTimeoutS: 1 });
  const out: string[] = [];
  try {
    await queryDaemon(lab.files.mn.socket, { cmd: "keep", address: lab.h1 });
    const from = lab.mn.lines.length;
    await lab.move(2);
    await lab.mn.waitFor((l) => l.event === "bound" && l.hoa === lab.h1, 15_000, "H_1 bound", from);
    lab.topo.netScope.spawn(lab.topo.ns.mn, "iperf3", ["-s", "-B", lab.h1, "-p", "5201"]);
    await new Promise((r) => setTimeout(r, 500));
    const darPid = Number((await lab.darStatus(1)).pid);
    const mnPid = Number((await lab.mn.status()).pid ?? lab.mn.pid);
    const snap = async () => {
      const [d, m] = await Promise.all([lab.darStatus(1), lab.mn.status()]);
      return { d, m: m as unknown as { dataplane: Record<string, number> }, dc: cpu(darPid), mc: cpu(mnPid), si: softirq() };
    };
    for (const reverse of [false, true]) {
      const a = await snap();
      const iperfArgs = ["-c", lab.h1, "-p", "5201", "-t", String(SECONDS), "--json", ...(reverse ? ["-R"] : [])];
      const { stdout } = await netnsExec(lab.topo.ns.cn, "iperf3", iperfArgs, { timeoutMs: (SECONDS + 30) * 1000 });
      const b = await snap();
      const gbps = JSON.parse(stdout).end.sum_received.bits_per_second / 1e9;
      const segs = reverse ? b.d.counters.decap! - a.d.counters.decap! : b.d.counters.encap! - a.d.counters.encap!;
      const us = (ticks: number) => ((ticks / tck) * 1e6 / segs).toFixed(2);
      const dd = (k: string) => (b.d.dataplane![k]! - a.d.dataplane![k]!) / segs;
      const md = (k: string) => (b.m.dataplane[k]! - a.m.dataplane[k]!) / segs;
      const name = reverse ? "H_1 -> CN" : "CN -> H_1";
      out.push(
        `| ${name}: throughput, segments through DAR1 | ${gbps.toFixed(2)} Gb/s, ${segs} segments (${(segs / SECONDS / 1000).toFixed(1)}k/s) |`,
        `| ${name}: DAR1 daemon CPU per segment: user (JS + core), system (its reads, writes and the kernel work inline) | user ${us(b.dc.user - a.dc.user)} us, system ${us(b.dc.sys - a.dc.sys)} us |`,
        `| ${name}: DAR1 reads / writes / batches per segment | ${dd("packetsIn").toFixed(3)} / ${dd("packetsSent").toFixed(3)} / ${dd("batches").toFixed(3)} |`,
        `| ${name}: MN agent CPU per segment | user ${us(b.mc.user - a.mc.user)} us, system ${us(b.mc.sys - a.mc.sys)} us |`,
        `| ${name}: MN reads / writes / batches per segment | ${md("packetsIn").toFixed(3)} / ${md("packetsSent").toFixed(3)} / ${md("batches").toFixed(3)} |`,
        `| ${name}: softirq, all CPUs, per segment (the kernel forwarding outside the daemons' calls) | ${us(b.si - a.si)} us |`,
      );
    }
    await lab.stop();
  } catch (e) {
    console.error(lab.logTails(30));
    await lab.destroy();
    throw e;
  }
  return out;
}

const l0 = loadavg();
const lines = [...corePasses(), ...(await labPart())];
console.log(`\n### offload profile (TUN offloads ${OFFLOAD ? "on" : "off"}, iperf3 ${SECONDS} s, one TCP stream each way)\n`);
console.log("| what | measured |\n|---|---|");
for (const l of lines) console.log(l);
console.log(`\nload average before ${l0.map((x) => x.toFixed(2)).join(" ")}, after ${loadavg().map((x) => x.toFixed(2)).join(" ")} (2 cores shared)`);
