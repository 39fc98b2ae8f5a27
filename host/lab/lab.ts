// `fama lab`'s domain: the namespaces of host/lab/topology.ts (CN, core, DAR1-3, MN; anchors
// routed into the DAR daemons' TUNs), the daemon configs (configs.ts) in a temporary directory,
// three `fama dar` daemons and one `fama mn` agent as separate processes (daemons.ts), and the
// MN's link moves. The scenario on top (flows, timeline, summary) is tour.ts; the e2e test and
// the bench drive the same two pieces.
//
// Cleanup: everything is registered with the topology's NetScope (processes, the temporary
// directory, the namespaces and every link in them), which runs on a normal stop, on a failure,
// and (with installSignalCleanup, which `fama lab` installs) on Ctrl-C / SIGTERM.
import { mkdtempSync, rmSync, copyFileSync, chmodSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Topology, PLAN } from "./topology.js";
import { ip, ipBatch, sysctl, linkSetNetns, netnsList, netnsDelIfExists } from "../net/ip.js";
import { parseIPv6, formatIPv6 } from "../ipv6.js";
import { labFiles, writeConfigs, type LabFiles, type LabConfigOptions } from "./configs.js";
import { DaemonProc, CHECKOUT_FAMA_DAR, type LogLine } from "./daemons.js";
import { startRadvd } from "./radvd.js";
import { impairedAccessLinks, type Impairment } from "./impair-stage.js";
import type { ImpairSpec } from "./impair.js";
import { InputError } from "../errors.js";

export const LAB_PREFIX = "fama-lab-";

export interface LabOptions {
  /** Namespace prefix (default `fama-lab-<pid>-`). */
  prefix?: string;
  dars?: number;
  /** DARs require the care-of test (and the MN does it). */
  coaTest?: boolean;
  /** Largest inner packet through the tunnels (default 1460). */
  tunnelMtu?: number;
  /** TUN offloads on the daemons (default true: their default). */
  offload?: boolean;
  /** MTU of every lab link (default 1500). */
  mtu?: number;
  /** Binding lifetime the MN asks for, s (default 600). */
  lifetime?: number;
  /** How long the MN keeps an address nobody uses, s (default 60). */
  idleTimeoutS?: number;
  /** A PEM private key copied in as the MN's key (default: the agent creates one). */
  keyFile?: string;
  /** Moves toggle carrier (DAR ends down/up) instead of moving the MN's ends between
   *  namespaces (default: FAMA_LAB_CARRIER=1 in the environment; see reindexAccessLinks). */
  carrier?: boolean;
  /** The real shape (PROTOCOL.md §2.7): radvd on each DAR's access link (a bridge), A_k = the
   *  DAR's access address P_k::1, and one MN interface (wlan0) whose peer moves from DAR to DAR,
   *  with no DAR in the MN's config. Default false: one MN interface per DAR, DARs configured. */
  roaming?: boolean;
  /** Roaming: DARs whose radvd announces a plain router (no H flag, no R-flag PIO). */
  plainRouters?: number[];
  /** Progress lines (default: none). */
  say?: (text: string) => void;
  /** Run every access link through the impairment wire (impair-stage.ts; fixed shape only). */
  impair?: ImpairSpec;
  /** Runs DAR k with another program and arguments than this checkout's `fama dar --config`
   *  (the OpenWrt install test: an unpacked package's `fama dar --uci`); null: the default. */
  darCommand?: (k: number, files: LabFiles["dar"][number]) => { program: string[]; args: string[] } | null;
}

export interface Move {
  from: number;
  to: number;
  /** hrtime when the old link was taken away / when the new link was up. */
  downNs: bigint;
  upNs: bigint;
  /** index into the MN's log lines where this move started */
  logFrom: number;
  /** the agent's `attached` line (coa, kept, busAfterMs, setupMs) */
  attached: LogLine;
}

/** Normalised text form of an IPv6 address. */
export function norm(a: string): string {
  const b = parseIPv6(a.replace(/^::ffff:/, "").replace(/%.*$/, ""));
  return b ? formatIPv6(b) : a;
}

/** True if `a` lies in the /64 `prefix` (text). */
export function inPrefix64(a: string, prefix: string): boolean {
  const x = parseIPv6(a), p = parseIPv6(prefix.replace(/\/\d+$/, ""));
  return !!x && !!p && x.subarray(0, 8).every((v, i) => v === p[i]);
}

/** rx/tx bytes of a link (kernel counters). */
export async function linkBytes(ns: string, dev: string): Promise<{ rx: number; tx: number }> {
  const { stdout } = await ip(["-j", "-s", "link", "show", "dev", dev], ns);
  const [l] = JSON.parse(stdout) as { stats64: { rx: { bytes: number }; tx: { bytes: number } } }[];
  return { rx: l!.stats64.rx.bytes, tx: l!.stats64.tx.bytes };
}

/** Removes namespaces of earlier labs whose process is gone (a crash or SIGKILL of the lab). */
export async function sweepDeadLabs(): Promise<string[]> {
  const removed: string[] = [];
  for (const ns of await netnsList()) {
    const m = new RegExp(`^${LAB_PREFIX}(\\d+)-`).exec(ns);
    if (!m) continue;
    const pid = Number(m[1]);
    let alive = true;
    try { process.kill(pid, 0); } catch (e) { alive = (e as NodeJS.ErrnoException).code === "EPERM"; }
    if (!alive && (await netnsDelIfExists(ns))) removed.push(ns);
  }
  return removed;
}

/**
 * Recreates the access veth pairs with fixed, distinct interface indexes (DAR end 100+k, MN end
 * 200+k), all MN ends in the MN namespace and up; the DAR ends `acc` (P_k::1) stay in their
 * DARs, down until the MN attaches there.
 *
 * Why fixed indexes: the kernel's linkwatch handles a carrier change at once ("urgent") only for
 * a device whose ifindex differs from its iflink, and a veth's iflink is its peer's ifindex.
 * Namespaces number their links independently, so a pair can end up with equal numbers on both
 * ends (DAR2's `acc` and `acc2` both had index 3 here); then the carrier change waits for
 * linkwatch's once-a-second run, the link drops packets (noop qdisc) until it runs, and a
 * handover costs up to a second more for reasons that have nothing to do with FAMA.
 *
 * Two ways to move (LabOptions.carrier, or FAMA_LAB_CARRIER=1):
 *   * default: the MN's current end goes to the "air" namespace and the new one comes into the MN
 *     namespace and is set up. The interface's qdisc and tc filters go with every move, so the
 *     agent re-installs its redirect when the interface comes back (host/mn/links.ts, in
 *     parallel with the lab's `ip link set up`; on the handover's path when it is slower).
 *   * carrier: all MN ends stay in the MN namespace and up; a move sets the old
 *     DAR's end down and the new DAR's end up, so the MN's end only loses and regains carrier, as
 *     a real MN's interface does, and keeps the agent's filters (no `tc` run on the handover's
 *     path; `keep_addr_on_down` keeps P_k::1 on a DAR's end while it is down). The old link's
 *     routes and neighbour entries stay too: TCP segments sent between the carrier loss and the
 *     new default route wait in the old gateway's unresolvable neighbour entry, and TCP does not
 *     retransmit a segment still held in the host (TCPSpuriousRtxHostQueues), which stalled the
 *     session for about 3 s in one lab in four until the agent learned to delete that entry at
 *     attach (host/mn/addresses.ts forgetGateway; 0 stalls in 10 labs after, 2 in 7 before). Still
 *     not the default: one of 5 `--only e2e lab` runs with it had a 1 s care-of-test handover.
 */
export async function reindexAccessLinks(topo: Topology, mtu: number, carrier: boolean): Promise<void> {
  for (let k = 1; k <= topo.dars; k++) {
    const d = topo.darNs(k);
    const mnSide = carrier ? topo.ns.mn : topo.ns.air;
    await ip(["link", "del", "dev", "acc"], d);
    await ip(["link", "add", "acc", "netns", d, "index", String(100 + k), "type", "veth", "peer", "name", topo.mnDev(k), "netns", mnSide, "index", String(200 + k)]);
    if (carrier) {
      await sysctl("net.ipv6.conf.acc.keep_addr_on_down", 1, d);
      await ipBatch([["link", "set", "acc", "mtu", String(mtu)], ["addr", "add", `${PLAN.darAccess(k)}/64`, "dev", "acc", "nodad"]], d);
      await ipBatch([["link", "set", topo.mnDev(k), "mtu", String(mtu), "up"]], mnSide);
    } else {
      await ipBatch([["link", "set", "acc", "mtu", String(mtu), "up"], ["addr", "add", `${PLAN.darAccess(k)}/64`, "dev", "acc", "nodad"]], d);
      await ipBatch([["link", "set", topo.mnDev(k), "mtu", String(mtu)]], mnSide);
    }
  }
}

/** The MN's one access interface in the roaming shape, and its peer that moves between the DARs. */
export const MN_WLAN = "wlan0";
export const AP = "ap";

/**
 * The roaming shape's access links: on each DAR, `acc` becomes a bridge (fixed MAC, so a fixed
 * link-local address per DAR, P_k::1) with a permanent port, so it keeps its carrier and radvd
 * keeps announcing while the MN is elsewhere; the MN gets one veth `wlan0` whose peer `ap` waits
 * in the air until the first move. Fixed, distinct interface indexes for the pair (see
 * reindexAccessLinks for why).
 */
export async function roamingAccessLinks(topo: Topology, mtu: number): Promise<void> {
  const m = String(mtu);
  for (let k = 1; k <= topo.dars; k++) {
    const d = topo.darNs(k);
    await ip(["link", "del", "dev", "acc"], d);
    await ipBatch([
      ["link", "add", "acc", "address", `02:00:00:00:${PLAN.hex(k).padStart(2, "0")}:01`, "type", "bridge"],
      ["link", "add", "keep", "type", "veth", "peer", "name", "keep-peer"],
      ["link", "set", "keep", "mtu", m, "master", "acc", "up"],
      ["link", "set", "keep-peer", "mtu", m, "up"],
      ["link", "set", "acc", "mtu", m, "up"],
      ["addr", "add", `${PLAN.darAccess(k)}/64`, "dev", "acc", "nodad"],
    ], d);
  }
  await ip(["link", "add", MN_WLAN, "netns", topo.ns.mn, "index", "201", "type", "veth", "peer", "name", AP, "netns", topo.ns.air, "index", "101"]);
  await ipBatch([["link", "set", MN_WLAN, "mtu", m, "up"]], topo.ns.mn);
  await ipBatch([["link", "set", AP, "mtu", m]], topo.ns.air);
}

/**
 * Source address validation on every DAR's access link (BCP 38, what an access router does): a
 * packet arriving on `acc` whose source is not in P_k is refused (ICMPv6 administratively
 * prohibited). Without it a kept H_1 could reach the CN straight from a visited DAR, untunnelled,
 * and the lab would measure that instead of the FAMA path. Policy rules, since this kernel has no
 * netfilter tools: `iif acc from P_k` jumps over the `iif acc prohibit` rule.
 */
export async function filterAccessSources(topo: Topology, roaming: boolean): Promise<void> {
  for (let k = 1; k <= topo.dars; k++) {
    const d = topo.darNs(k);
    await ip(["-6", "rule", "add", "priority", "12", "nop"], d);
    // roaming: the MN's neighbour discovery towards its link-local default router comes from its link-local address
    if (roaming) await ip(["-6", "rule", "add", "priority", "9", "iif", "acc", "from", "fe80::/10", "goto", "12"], d);
    await ip(["-6", "rule", "add", "priority", "11", "iif", "acc", "prohibit"], d);
    await ip(["-6", "rule", "add", "priority", "10", "iif", "acc", "from", PLAN.prefix(k), "goto", "12"], d);
  }
}

export class Lab {
  readonly dars: DaemonProc[];
  readonly mn: DaemonProc;
  /** the MN's first address, formed at DAR1 */
  h1 = "";
  /** the MN's current care-of address */
  coa = "";
  carrier = false;
  roaming = false;
  /** The impairment stage on the access links, when LabOptions.impair was given. */
  impairment: Impairment | null = null;
  private constructor(readonly topo: Topology, readonly dir: string, readonly files: LabFiles, readonly cfg: LabConfigOptions, readonly say: (t: string) => void, darCommand: LabOptions["darCommand"]) {
    this.dars = files.dar.map((f, i) => {
      const other = darCommand?.(i + 1, f);
      return other
        ? new DaemonProc(`dar${i + 1}`, topo.darNs(i + 1), other.args, f.log, f.socket, other.program)
        : new DaemonProc(`dar${i + 1}`, topo.darNs(i + 1), ["dar", "--config", f.config], f.log, f.socket, CHECKOUT_FAMA_DAR);
    });
    this.mn = new DaemonProc("mn", topo.ns.mn, ["mn", "--config", files.mn.config], files.mn.log, files.mn.socket);
  }

  /** Builds the domain, starts the daemons and the agent, attaches the MN at DAR1. */
  static async start(o: LabOptions = {}): Promise<Lab> {
    const say = o.say ?? (() => {});
    const dars = o.dars ?? 3;
    const roaming = o.roaming ?? false;
    if (o.impair && (roaming || o.carrier)) throw new InputError("the impairment stage needs the fixed lab shape without carrier moves (the roaming shape's bridges do not run through it)");
    const cfg: LabConfigOptions = { dars, coaTest: o.coaTest ?? false, tunnelMtu: o.tunnelMtu ?? 1460, lifetime: o.lifetime ?? 600, idleTimeoutS: o.idleTimeoutS ?? 60, roaming, offload: o.offload };
    const swept = await sweepDeadLabs();
    if (swept.length) say(`removed ${swept.length} namespaces left by an earlier lab that died: ${swept.join(" ")}`);
    const dir = mkdtempSync(join(tmpdir(), "fama-lab-"));
    let topo: Topology;
    try {
      const prefix = o.prefix ?? `${LAB_PREFIX}${process.pid}-`;
      say(`building namespaces ${prefix}{cn,core,dar1..${dars},mn,air}`);
      topo = await Topology.build({ prefix, dars, anchors: "none", attach: 0, ...(o.mtu ? { mtu: o.mtu } : {}) });
    } catch (e) {
      rmSync(dir, { recursive: true, force: true });
      throw e;
    }
    topo.defer(`lab directory ${dir}`, () => rmSync(dir, { recursive: true, force: true }), () => rmSync(dir, { recursive: true, force: true }));
    const files = labFiles(dir, dars);
    const lab = new Lab(topo, dir, files, cfg, say, o.darCommand);
    try {
      lab.roaming = roaming;
      lab.carrier = !roaming && (o.carrier ?? process.env.FAMA_LAB_CARRIER === "1");
      if (roaming) await roamingAccessLinks(topo, o.mtu ?? 1500);
      else if (o.impair) lab.impairment = await impairedAccessLinks(topo, o.mtu ?? 1500, o.impair);
      else await reindexAccessLinks(topo, o.mtu ?? 1500, lab.carrier);
      await filterAccessSources(topo, roaming);
      writeConfigs(files, cfg, (k) => lab.mnDev(k));
      for (const f of files.dar) mkdirSync(f.stateDir, { recursive: true, mode: 0o700 });
      if (o.keyFile) { copyFileSync(o.keyFile, files.mn.key); chmodSync(files.mn.key, 0o600); }
      say(`configs and logs in ${dir}`);
      if (roaming) {
        const plain = new Set(o.plainRouters ?? []);
        for (let k = 1; k <= dars; k++) await startRadvd(topo.netScope, topo.darNs(k), dir, { iface: "acc", address: PLAN.darAccess(k), homeAgent: !plain.has(k) });
        say(`radvd on every DAR's access link: ${Array.from({ length: dars }, (_, i) => plain.has(i + 1) ? `DAR${i + 1} a plain router (no H flag)` : `DAR${i + 1} H flag, PIO ${PLAN.prefix(i + 1)} with R (A_${i + 1} = ${PLAN.darAccess(i + 1)})`).join(", ")}; the MN lists only ${MN_WLAN}`);
      }
      for (const d of lab.dars) d.start(topo.netScope);
      await Promise.all(lab.dars.map((d) => d.ready(30_000)));
      const started = await Promise.all(lab.dars.map((d) => d.waitFor((l) => l.event === "dar.started", 30_000, "dar.started")));
      say(`${lab.dars.map((d, i) => `DAR${i + 1} (anchor ${lab.anchor(i + 1)}, prefix ${PLAN.prefix(i + 1)})`).join(", ")}: fama dar answering on its status socket${cfg.coaTest ? " (coaTest: true)" : ""}, core under ${[...new Set(started.map((l) => l.runtime))].join(", ")}`);
      lab.mn.start(topo.netScope);
      const mnStarted = await lab.mn.waitFor((l) => l.event === "mn.started", 60_000, "mn.started");
      await lab.mn.ready(10_000);
      const mv = await lab.move(1);
      lab.h1 = String(mv.attached.coa);
      const ra = mv.attached.router ? ` from ${mv.attached.decision} RA of ${mv.attached.router} (RS ${mv.attached.rsMs} ms, RA ${mv.attached.raMs} ms after link-up)` : "";
      say(`MN agent up (core under ${mnStarted.runtime}); link up at DAR1: H_1 = ${lab.h1} (a CGA of ${PLAN.prefix(1)})${ra}, set up in ${mv.attached.setupMs} ms`);
    } catch (e) {
      await lab.destroy();
      throw e;
    }
    return lab;
  }

  get attachedTo(): number { return this.topo.attachedTo; }

  /** The MN's interface towards DAR k. */
  mnDev(k: number): string { return this.roaming ? MN_WLAN : this.topo.mnDev(k); }

  /** DAR k's anchor A_k. */
  anchor(k: number): string { return this.roaming ? PLAN.darAccess(k) : PLAN.anchor(k); }

  /**
   * Moves the MN's link to DAR k: link-down at the current DAR, then link-up at DAR k (see
   * reindexAccessLinks for the two ways); the agent installs its address and routes itself.
   * Resolves after the agent logged `attached` for it.
   */
  async move(k: number): Promise<Move> {
    const from = this.topo.attachedTo;
    const dev = this.mnDev(k);
    const logFrom = this.mn.lines.length;
    const downNs = process.hrtime.bigint();
    if (this.roaming) {
      // the access point's end leaves the old DAR's bridge (carrier lost) and joins DAR k's
      await ip(["link", "set", "dev", AP, "netns", this.topo.darNs(k)], from ? this.topo.darNs(from) : this.topo.ns.air);
      this.topo.attachedTo = 0;
      await ip(["link", "set", "dev", AP, "master", "acc", "up"], this.topo.darNs(k));
    } else if (this.carrier) {
      if (from) await ip(["link", "set", "dev", "acc", "down"], this.topo.darNs(from));
      this.topo.attachedTo = 0;
      await ip(["link", "set", "dev", "acc", "up"], this.topo.darNs(k));
    } else {
      await this.topo.detach();
      await linkSetNetns(dev, this.topo.ns.mn, this.topo.ns.air);
      await ip(["link", "set", "dev", dev, "up"], this.topo.ns.mn);
    }
    const upNs = process.hrtime.bigint();
    this.topo.attachedTo = k;
    const attached = await this.mn.waitFor((l) => l.event === "attached" && l.dev === dev, 15_000, `attached ${dev}`, logFrom);
    this.coa = String(attached.coa);
    return { from, to: k, downNs, upNs, logFrom, attached };
  }

  /** The MN's log lines since `from` matching `pred`. */
  mnEvents(from: number, pred: (l: LogLine) => boolean): LogLine[] { return this.mn.lines.slice(from).filter(pred); }

  async darStatus(k: number): Promise<DarStatus> { return (await this.dars[k - 1]!.status()) as unknown as DarStatus; }

  /** Bindings per DAR, as `fama status` reports them (null: the daemon did not answer). */
  async bindings(): Promise<(DarBinding[] | null)[]> {
    return Promise.all(this.dars.map(async (d) => { try { return ((await d.status()) as unknown as DarStatus).bindings; } catch { return null; } }));
  }

  /** Kills DAR k (SIGKILL: nothing runs on its way out) or stops it (SIGTERM). */
  async stopDar(k: number, signal: NodeJS.Signals): Promise<{ code: number | null; signal: string | null }> {
    return this.dars[k - 1]!.stop(signal);
  }

  /** Deletes DAR k's snapshot and journal (it must be stopped). */
  wipeDarState(k: number): void {
    const d = this.files.dar[k - 1]!.stateDir;
    rmSync(join(d, "dar-state.json"), { force: true });
    rmSync(join(d, "dar.journal"), { force: true });
  }

  /** Starts DAR k again with the same config; resolves when it answers its socket. */
  async restartDar(k: number): Promise<void> {
    const d = this.dars[k - 1]!;
    if (d.running) throw new Error(`dar${k} is still running`);
    d.start(this.topo.netScope);
    await d.ready(30_000);
  }

  /** Tails of every log (for failures). */
  logTails(n = 25): string { return [...this.dars, this.mn].map((d) => d.tail(n)).join("\n"); }

  /** SIGTERM to the agent and the daemons (they remove what they installed), then everything else. */
  async stop(): Promise<void> {
    const errors: string[] = [];
    const r = await Promise.allSettled([this.mn.stop("SIGTERM"), ...this.dars.map((d) => d.stop("SIGTERM"))]);
    r.forEach((x, i) => {
      const name = i === 0 ? "mn" : `dar${i}`;
      if (x.status === "rejected") errors.push(`${name}: ${(x.reason as Error).message}`);
      else if (x.value.code !== 0 && x.value.signal !== "SIGKILL") errors.push(`${name} exited ${x.value.code ?? x.value.signal}`);
    });
    await this.destroy();
    if (errors.length) throw new Error(`lab stop: ${errors.join("; ")}`);
  }

  /** Removes everything without asking the daemons first. */
  async destroy(): Promise<void> { await this.topo.destroy(); }
}

export interface DarBinding { hoa: string; coa: string; seq: number; lifetime: number; expiresInS: number; hasPhkt: boolean; pktsToMn: number; bytesToMn: number; pktsFromMn: number; bytesFromMn: number }
export interface DarStatus { role: "dar"; pid: number; anchor: string; bindings: DarBinding[]; bindingsTotal: number; counters: Record<string, number>; dataplane: Record<string, number> | null }
