// One run of one scheme over a scenario's script: DARs (FAMA) or one central home agent
// (centralized Mobile IPv6) as real core instances, MNs as real core instances while they
// signal, packets moved between them by an event-driven clock over the topology's delays.
//
// Sharing (docs/SIMULATION.md): an MN's core instance exists only while the MN needs it: from
// a handover (or a refresh) until its exchanges are over and, in FAMA, as long as it keeps
// addresses from earlier DARs (their refreshes and releases run on the core's own timers).
// Between, the MN's sites (sequence number, PHKT) are kept here and given back to a fresh
// instance with mn_restore before the next attach. The MN's end of the data tunnel is
// host/sim/packets.ts; the anchors' end is the core.
import { Dar, VERDICT_SEND, writeBindingRecord, sealSnapshot, snapshotBlob, recordOffset, type DarEvent } from "../core/dar.js";
import { Mn } from "../core/mn.js";
import { decodePacket } from "../core/mh.js";
import { cgaAddress } from "../core/cga.js";
import { parseDarConfig } from "../config/dar.js";
import { decryptPhkt, signDigest } from "../keys.js";
import { formatIPv6, parseIPv6 } from "../ipv6.js";
import type { Core } from "../wasm.js";
import { EventQueue } from "./queue.js";
import { Rng, deriveSeed } from "./rng.js";
import { Routes } from "./topology.js";
import { seededCore, type PoolKey } from "./cores.js";
import { udpPacket, encapsulate, decapsulate, addrKey, NH_IPV6 } from "./packets.js";
import { Metrics, type RunSummary, type SignalingType } from "./metrics.js";
import type { Scenario, Script, FlowPlan, Move } from "./scenario.js";

export type Scheme = "fama" | "central";

/** Core clock = EPOCH_MS + simulated time. */
const EPOCH_MS = 1_700_000_000_000;
const TICK_US = 1_000_000;
const MH_TYPES: Record<number, SignalingType> = { 5: "bu", 6: "ba", 2: "coti", 4: "cot" };

// ---- the domain's addressing plan (docs/SIMULATION.md)
const G_DAR = 1, G_HOME = 2, G_ANCHOR = 0xa, G_INTERNET = 0xc, G_EDGE = 0xe, CENTRAL = 0xffff;

function address(g2: number, g3: number, last: number): Uint8Array {
  const a = new Uint8Array(16);
  a.set([0x20, 0x01, 0x0d, 0xb8, g2 >> 8, g2 & 0xff, g3 >> 8, g3 & 0xff]);
  a[15] = last;
  return a;
}

interface Site {
  hoa: Uint8Array;
  key: string;
  prefix: Uint8Array;
  anchor: number;
  anchorAddr: Uint8Array;
  seq: number;
  phkt: Uint8Array | null;
  phktSeq: number;
  flows: number;
  /** the central home address: never released, refreshed while the MN has no core */
  permanent: boolean;
  refreshAtUs: number;
}

interface SimMn {
  id: number;
  key: PoolKey;
  modifier: Uint8Array;
  dar: number;
  coa: Uint8Array;
  coaKey: string;
  sites: Map<string, Site>;
  core: Mn | null;
  timerVersion: number;
  pending: { atUs: number; waiting: Set<string> } | null;
  addrs: Map<number, Uint8Array>;
}

interface Flow { id: number; mn: SimMn; site: Site; cnNode: number; cnAddr: Uint8Array; endUs: number }

interface Meta {
  data: boolean;
  mn: number;
  sentUs: number;
  directUs: number;
  tunnelled: boolean;
  /** data: the MN's DAR when the packet was sent, the correspondent's node, the direction */
  dar: number;
  cn: number;
  up: boolean;
}

/** What a test can watch: every delivered data packet. */
export interface Delivery { scheme: Scheme; mn: number; dar: number; cn: number; up: boolean; pathUs: number; directUs: number; tunnelled: boolean }
export type Observer = (d: Delivery) => void;

type Ev =
  | { k: 0; kind: "anchor" | "prefix" | "cn"; idx: number; pkt: Uint8Array; meta: Meta }
  | { k: 1; mn: SimMn; pkt: Uint8Array; meta: Meta }
  | { k: 2; move: Move }
  | { k: 3; plan: FlowPlan }
  | { k: 4; flow: Flow }
  | { k: 5; flow: Flow }
  | { k: 6; mn: SimMn; version: number }
  | { k: 7; mn: SimMn; version: number }
  | { k: 8 };

export interface RunResult {
  scheme: Scheme;
  summary: RunSummary;
  metrics: Metrics;
  wallS: number;
  /** CPU time of the process during the run (user + system, all threads) */
  cpuS: number;
  packetEvents: number;
}

export function runScheme(sc: Scenario, plan: Script, scheme: Scheme, keys: PoolKey[], observe?: Observer): RunResult {
  return new Domain(sc, plan, scheme, keys, observe).run();
}

class Domain {
  private readonly q = new EventQueue<Ev>();
  private readonly routes: Routes;
  private readonly helper: Core;
  private readonly coreRng: Rng;
  private readonly misc: Rng;
  /** anchor cores: index 0..N-1 the DARs (FAMA), N the central home agent */
  private readonly anchors: (Dar | null)[] = [];
  private readonly bindings: Map<string, string>[] = [];
  private readonly mns: SimMn[] = [];
  private readonly byCoa = new Map<string, SimMn>();
  private readonly m: Metrics;
  private readonly n: number;
  private readonly homePrefix = address(G_HOME, 0, 0);
  private readonly anchorAddrs: Uint8Array[] = [];
  private liveCores = 0;
  private flowCounter = 0;
  private packetEvents = 0;

  constructor(private readonly sc: Scenario, private readonly plan: Script, private readonly scheme: Scheme, private readonly keys: PoolKey[], private readonly observe?: Observer) {
    const t = sc.topology;
    this.n = t.dars.length;
    this.routes = new Routes(t);
    this.coreRng = new Rng(deriveSeed(sc.coreSeed, `core-random-${scheme}`));
    this.misc = new Rng(deriveSeed(sc.seed, "misc"));
    this.helper = seededCore(this.coreRng);
    for (let i = 0; i < this.n; i++) this.anchorAddrs.push(address(G_ANCHOR, i + 1, 1));
    this.anchorAddrs.push(address(G_ANCHOR, CENTRAL, 1));
    this.m = new Metrics(sc.mns, [...t.dars.map((d) => t.nodes[d]!.id), "central"]);
    for (let i = 0; i <= this.n; i++) {
      this.bindings.push(new Map());
      const wanted = scheme === "fama" ? i < this.n : i === this.n;
      this.anchors.push(wanted ? this.newAnchor(i) : null);
    }
  }

  private nowMs(): number { return EPOCH_MS + this.q.now / 1000; }

  private newAnchor(i: number): Dar {
    const dar = new Dar(seededCore(this.coreRng));
    const central = i === this.n;
    const prefix = central ? this.homePrefix : this.darPrefix(i);
    dar.configure({
      // The simulator models signaling, not the DAR's CPU: a cga budget it never reaches.
      ...parseDarConfig({ anchor: formatIPv6(this.anchorAddrs[i]!), prefixes: [`${formatIPv6(prefix)}/64`], coaTest: this.sc.coaTest, cgaBudget: { perSecond: 1_000_000, perBatch: 256, queue: 0 } }),
      capacity: central ? Math.max(64, this.sc.mns) : this.sc.darCapacity,
    });
    dar.tick(EPOCH_MS);
    return dar;
  }

  private darPrefix(i: number): Uint8Array { return address(G_DAR, i + 1, 0); }
  private anchorNode(i: number): number { return i === this.n ? this.sc.topology.anchor : this.sc.topology.dars[i]!; }

  // ---------------------------------------------------------------------------------------

  run(): RunResult {
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    const sc = this.sc;
    const cfgRng = new Rng(deriveSeed(sc.seed, "mn-setup"));
    for (let i = 0; i < sc.mns; i++) {
      const modifier = cfgRng.fill(new Uint8Array(16));
      const m: SimMn = {
        id: i, key: this.keys[i % this.keys.length]!, modifier, dar: this.plan.initial[i]!, coa: new Uint8Array(16), coaKey: "",
        sites: new Map(), core: null, timerVersion: 0, pending: null, addrs: new Map(),
      };
      this.mns.push(m);
      this.place(m, m.dar);
      if (this.scheme === "fama") this.currentSite(m, cfgRng.below(0x10000));
    }
    if (this.scheme === "central") this.warmStart(cfgRng);
    for (const move of this.plan.moves) this.q.push(move.atUs, { k: 2, move });
    for (const plan of this.plan.flows) this.q.push(plan.atUs, { k: 3, plan });
    this.q.push(TICK_US, { k: 8 });
    const end = sc.durationS * 1_000_000;
    for (let ev = this.q.pop(end); ev; ev = this.q.pop(end)) this.step(ev);
    for (let ev = this.q.pop(Infinity); ev; ev = this.q.pop(Infinity)) {
      if ((ev.k === 0 || ev.k === 1) && ev.meta.data) this.m.dataInFlightAtEnd++;
    }
    for (const m of this.mns) if (m.pending) this.m.handoversUnfinished++;
    const cpu = process.cpuUsage(c0);
    return {
      scheme: this.scheme, summary: this.m.summary(), metrics: this.m, wallS: (performance.now() - t0) / 1000,
      cpuS: (cpu.user + cpu.system) / 1e6, packetEvents: this.packetEvents,
    };
  }

  private step(ev: Ev): void {
    switch (ev.k) {
      case 0: this.packetEvents++; this.arrive(ev.kind, ev.idx, ev.pkt, ev.meta); break;
      case 1: this.packetEvents++; this.mnReceive(ev.mn, ev.pkt, ev.meta); break;
      case 2: this.handover(this.mns[ev.move.mn]!, ev.move.dar); break;
      case 3: this.startFlow(ev.plan); break;
      case 4: this.flowTick(ev.flow); break;
      case 5: this.endFlow(ev.flow); break;
      case 6: if (ev.mn.core && ev.version === ev.mn.timerVersion) { ev.mn.core.tick(this.nowMs()); this.after(ev.mn); } break;
      case 7: this.refresh(ev.mn, ev.version); break;
      case 8: this.tickAnchors(); break;
    }
  }

  // ---------------------------------------------------------------------------------------
  // the network

  /** Where a destination address is handled: an anchor's core, a prefix's router, a correspondent. */
  private transmit(from: number, pkt: Uint8Array, meta: Meta, startUs = this.q.now): void {
    const g2 = (pkt[28]! << 8) | pkt[29]!;
    const g3 = (pkt[30]! << 8) | pkt[31]!;
    let kind: "anchor" | "prefix" | "cn";
    let idx: number;
    let node: number;
    const t = this.sc.topology;
    if (g2 === G_ANCHOR) { kind = "anchor"; idx = g3 === CENTRAL ? this.n : g3 - 1; node = this.anchorNode(idx); }
    else if (g2 === G_HOME) { kind = "prefix"; idx = this.n; node = t.anchor; }
    else if (g2 === G_DAR) { kind = "prefix"; idx = g3 - 1; node = t.dars[idx]!; }
    else if (g2 === G_INTERNET) { kind = "cn"; idx = -1; node = t.internet; }
    else { kind = "cn"; idx = -1; node = g3; }
    if (node === undefined || (g2 === G_EDGE && g3 >= t.nodes.length)) { this.lose(meta, "no-route"); return; }
    this.q.push(startUs + this.routes.delay(from, node), { k: 0, kind, idx, pkt, meta });
  }

  /** Over the access link to the MN's DAR, which routes it on. */
  private fromMn(m: SimMn, pkt: Uint8Array, meta: Meta): void {
    const darNode = this.sc.topology.dars[m.dar]!;
    this.transmit(darNode, pkt, meta, this.q.now + this.sc.topology.accessUs);
  }

  private lose(meta: Meta, reason: string): void {
    if (meta.data) this.m.drop(reason);
    else { this.m.signalingDropped++; this.m.event(`signaling-lost-${reason}`); }
  }

  private arrive(kind: "anchor" | "prefix" | "cn", idx: number, pkt: Uint8Array, meta: Meta): void {
    if (kind === "cn") {
      if (meta.data) this.delivered(meta);
      else this.lose(meta, "to-correspondent");
      return;
    }
    const core = this.anchors[idx];
    if (kind === "anchor") {
      if (!core) { this.lose(meta, "no-anchor"); return; }
      this.viaCore(idx, core, pkt, meta);
      return;
    }
    const dst = addrKey(pkt, 24);
    if (core && this.bindings[idx]!.has(dst)) { this.viaCore(idx, core, pkt, meta); return; }
    const m = idx < this.n ? this.byCoa.get(dst) : undefined;
    if (m && m.dar === idx) { this.q.push(this.q.now + this.sc.topology.accessUs, { k: 1, mn: m, pkt, meta }); return; }
    this.lose(meta, "no-route");
  }

  private viaCore(idx: number, dar: Dar, pkt: Uint8Array, meta: Meta): void {
    const load = this.m.anchors[idx]!;
    let cgaBu = false;
    if (!meta.data) {
      const d = decodePacket(this.helper, pkt);
      cgaBu = d.ok && d.mh?.type === 5 && d.mh.options.some((o) => o.type === 12);
    }
    dar.setPacket(0, pkt);
    dar.process(1, this.nowMs());
    this.drainAnchor(idx, dar);
    if (cgaBu) load.rsaVerify++;
    if (dar.verdict(0) !== VERDICT_SEND) {
      this.lose(meta, `anchor-${dar.reasonName(0) ?? "dropped"}`);
      return;
    }
    const out = dar.output(0).slice();
    if (meta.data) {
      load.tunnelledPkts++;
      load.tunnelledBytes += out.length;
      this.transmit(this.anchorNode(idx), out, { ...meta, tunnelled: true });
      return;
    }
    const d = decodePacket(this.helper, out);
    if (d.ok && d.mh) {
      const type = MH_TYPES[d.mh.type];
      if (type) {
        const phkt = d.mh.options.some((o) => o.type === 14);
        if (phkt) load.rsaEncrypt++;
        this.m.signal(type, type === "ba" ? `status${d.mh.status}` : "", out.length, meta.mn, idx);
      }
    }
    this.transmit(this.anchorNode(idx), out, meta);
  }

  private drainAnchor(idx: number, dar: Dar): void {
    const map = this.bindings[idx]!;
    for (const e of dar.drainEvents()) this.applyBinding(map, e);
  }

  private applyBinding(map: Map<string, string>, e: DarEvent): void {
    const hoa = addrKey(parseIPv6(e.hoa)!, 0);
    if (e.kind === "removed") map.delete(hoa);
    else map.set(hoa, e.coa);
  }

  private tickAnchors(): void {
    const now = this.nowMs();
    this.anchors.forEach((dar, i) => {
      if (!dar) return;
      dar.tick(now);
      this.drainAnchor(i, dar);
      const load = this.m.anchors[i]!;
      const n = this.bindings[i]!.size;
      load.bindingSamples++;
      load.bindingSum += n;
      if (n > load.bindingsPeak) load.bindingsPeak = n;
    });
    this.q.push(this.q.now + TICK_US, { k: 8 });
  }

  // ---------------------------------------------------------------------------------------
  // MNs: addresses and sites

  private addrAt(m: SimMn, prefixIdx: number): Uint8Array {
    let a = m.addrs.get(prefixIdx);
    if (!a) {
      const prefix = prefixIdx === this.n ? this.homePrefix : this.darPrefix(prefixIdx);
      a = cgaAddress(this.helper, { modifier: m.modifier, prefix, spki: m.key.spki, sec: 0 }).address;
      m.addrs.set(prefixIdx, a);
    }
    return a;
  }

  private place(m: SimMn, dar: number): void {
    if (m.coaKey) this.byCoa.delete(m.coaKey);
    m.dar = dar;
    m.coa = this.addrAt(m, dar);
    m.coaKey = addrKey(m.coa, 0);
    this.byCoa.set(m.coaKey, m);
  }

  private newSite(m: SimMn, prefixIdx: number, seq: number): Site {
    const hoa = this.addrAt(m, prefixIdx);
    const s: Site = {
      hoa, key: addrKey(hoa, 0), prefix: prefixIdx === this.n ? this.homePrefix : this.darPrefix(prefixIdx), anchor: prefixIdx,
      anchorAddr: this.anchorAddrs[prefixIdx]!, seq, phkt: null, phktSeq: 0, flows: 0, permanent: prefixIdx === this.n, refreshAtUs: 0,
    };
    m.sites.set(s.key, s);
    return s;
  }

  /** The site of the MN's current address (FAMA), created when new. */
  private currentSite(m: SimMn, seq: number): Site {
    return m.sites.get(m.coaKey) ?? this.newSite(m, m.dar, seq);
  }

  /** Centralized: every MN registered at the home agent before the run (a binding-cache snapshot). */
  private warmStart(rng: Rng): void {
    const ha = this.anchors[this.n]!;
    const blob = snapshotBlob(this.mns.length);
    const lifeMs = this.sc.lifetimeS * 1000;
    this.mns.forEach((m, i) => {
      const s = this.newSite(m, this.n, rng.below(0x10000));
      s.phkt = rng.fill(new Uint8Array(8));
      s.phktSeq = s.seq;
      const registeredMs = EPOCH_MS - rng.float() * 0.8 * lifeMs;
      s.refreshAtUs = Math.round((registeredMs + 0.8 * lifeMs - EPOCH_MS) * 1000);
      writeBindingRecord(blob, recordOffset(i), { hoa: s.hoa, coa: m.coa, phkt: s.phkt, expiresAt: registeredMs + lifeMs, lifetime: this.sc.lifetimeS, seq: s.seq, updatedAt: registeredMs });
      this.q.push(Math.max(0, s.refreshAtUs), { k: 7, mn: m, version: m.timerVersion });
    });
    ha.restore(sealSnapshot(blob, this.mns.length, EPOCH_MS, ha.memoryUse().capacity));
    const map = this.bindings[this.n]!;
    for (const b of ha.bindings()) map.set(addrKey(parseIPv6(b.hoa)!, 0), b.coa);
  }

  // ---------------------------------------------------------------------------------------
  // MNs: the core while signaling

  private newCore(m: SimMn): Mn {
    const mn = new Mn(seededCore(this.coreRng));
    mn.configure({ spki: m.key.spki, modifier: m.modifier, sec: 0, initialTimeoutMs: this.sc.initialTimeoutMs, lifetime: this.sc.lifetimeS, tunnelMtu: 1460 });
    m.core = mn;
    this.m.mnCoresCreated++;
    this.liveCores++;
    if (this.liveCores > this.m.mnCoresPeak) this.m.mnCoresPeak = this.liveCores;
    return mn;
  }

  /** Takes the core's view of the sites back into JS and lets the instance go. */
  private dropCore(m: SimMn): void {
    const mn = m.core!;
    for (const cs of mn.sites()) {
      const s = m.sites.get(addrKey(parseIPv6(cs.hoa)!, 0));
      if (!s) continue;
      s.seq = cs.seq;
      s.phkt = mn.sitePhkt(cs.index);
      s.phktSeq = cs.phktSeq;
      s.refreshAtUs = cs.bound && cs.refreshAt > 0 ? Math.round((cs.refreshAt - EPOCH_MS) * 1000) : 0;
    }
    m.core = null;
    m.timerVersion++;
    this.liveCores--;
    for (const s of m.sites.values()) {
      if (s.permanent && s.refreshAtUs > 0) this.q.push(Math.max(this.q.now, s.refreshAtUs), { k: 7, mn: m, version: m.timerVersion });
    }
  }

  private restoreSites(mn: Mn, sites: Site[]): void {
    for (const s of sites) mn.restore({ prefix: s.prefix, anchor: s.anchorAddr, coaTest: this.sc.coaTest, seq: s.seq, phkt: s.phkt, phktSeq: s.phktSeq });
  }

  private attachHere(m: SimMn, mn: Mn): void {
    const i = mn.attach(this.darPrefix(m.dar), this.anchorAddrs[m.dar]!, this.sc.coaTest, this.nowMs());
    if (mn.coa() !== formatIPv6(m.coa)) throw new Error(`sim: the core formed ${mn.coa()} at DAR ${m.dar + 1}, the simulator expected ${formatIPv6(m.coa)}`);
    if (this.scheme === "fama" && !m.sites.has(m.coaKey)) this.newSite(m, m.dar, mn.site(i)!.seq);
  }

  private handover(m: SimMn, dar: number): void {
    if (dar === m.dar) return;
    this.m.handovers++;
    if (m.core) {
      if (m.pending) this.m.handoversUnfinished++;
      this.dropCore(m);
    }
    m.pending = null;
    this.place(m, dar);
    const kept: Site[] = [];
    for (const s of [...m.sites.values()]) {
      if (s.permanent || s.flows > 0) kept.push(s);
      else if (s.key !== m.coaKey) m.sites.delete(s.key);
    }
    if (!kept.length) {
      this.currentSite(m, this.misc.below(0x10000));
      return;
    }
    this.m.handoversSignaled++;
    const mn = this.newCore(m);
    this.restoreSites(mn, kept);
    this.attachHere(m, mn);
    m.pending = { atUs: this.q.now, waiting: new Set(kept.map((s) => s.key)) };
    this.after(m);
  }

  /** Centralized, no core: the home registration's refresh (restore, attach where it is). */
  private refresh(m: SimMn, version: number): void {
    if (m.core || version !== m.timerVersion) return;
    this.m.event("refresh");
    const mn = this.newCore(m);
    this.restoreSites(mn, [...m.sites.values()].filter((s) => s.permanent));
    this.attachHere(m, mn);
    this.after(m);
  }

  /** After every core call: answer key requests, follow events, send the outbox, re-arm. */
  private after(m: SimMn): void {
    const mn = m.core!;
    const now = () => this.nowMs();
    for (let round = 0; round < 64 && mn.eventCount() > 0; round++) {
      for (const ev of mn.drainEvents()) {
        this.m.event(`mn-${ev.kind}`);
        const site = m.sites.get(addrKey(parseIPv6(ev.hoa)!, 0));
        if (ev.kind === "sign-request" && ev.data) {
          this.m.mnSign++;
          mn.signAnswer(ev.site, ev.seq, signDigest(m.key.key, ev.data), now());
        } else if (ev.kind === "decrypt-request" && ev.data) {
          this.m.mnDecrypt++;
          const phkt = decryptPhkt(m.key.key, ev.data);
          mn.decryptAnswer(ev.site, ev.seq, phkt, now());
          phkt?.fill(0);
        } else if (ev.kind === "bound" || ev.kind === "home") {
          if (site) this.settled(m, site.key);
        } else if (ev.kind === "released" || ev.kind === "rejected" || ev.kind === "gave-up") {
          if (site && site.key !== m.coaKey) m.sites.delete(site.key);
          if (site) this.settled(m, site.key);
        }
      }
    }
    mn.flushOutbox((mem, off, len) => {
      const pkt = mem.slice(off, off + len);
      const d = decodePacket(this.helper, pkt);
      const dst = (pkt[30]! << 8) | pkt[31]!;
      const anchor = dst === CENTRAL ? this.n : dst - 1;
      if (d.ok && d.mh) {
        const type = MH_TYPES[d.mh.type];
        const mode = type === "bu" ? (d.mh.lifetime === 0 ? "dereg" : d.mh.options.some((o) => o.type === 12) ? "cga" : "phkt") : "";
        if (type) this.m.signal(type, mode, len, m.id, anchor);
      }
      this.fromMn(m, pkt, { data: false, mn: m.id, sentUs: this.q.now, directUs: 0, tunnelled: false, dar: m.dar, cn: -1, up: true });
    });
    const sites = mn.sites();
    const busy = sites.some((s) => s.phase !== "idle");
    const keeps = this.scheme === "fama" && sites.some((s) => !s.current);
    if (!busy && !keeps) {
      if (m.pending) { this.m.handoversUnfinished++; m.pending = null; }
      this.dropCore(m);
      return;
    }
    const t = mn.nextTimer();
    m.timerVersion++;
    if (t !== null) this.q.push(Math.max(this.q.now, Math.round((t - EPOCH_MS) * 1000)), { k: 6, mn: m, version: m.timerVersion });
  }

  private settled(m: SimMn, key: string): void {
    const p = m.pending;
    if (!p || !p.waiting.delete(key) || p.waiting.size) return;
    this.m.handoverLatencyMs.push((this.q.now - p.atUs) / 1000);
    m.pending = null;
  }

  private mnReceive(m: SimMn, pkt: Uint8Array, meta: Meta): void {
    if (!meta.data) {
      if (!m.core) { this.lose(meta, "mn-without-core"); return; }
      m.core.setPacket(0, pkt);
      m.core.process(1, this.nowMs());
      this.after(m);
      return;
    }
    if (pkt[6] === NH_IPV6) {
      const inner = decapsulate(pkt);
      const site = inner ? m.sites.get(addrKey(inner, 24)) : undefined;
      if (addrKey(pkt, 24) !== m.coaKey) { this.lose(meta, "mn-moved-during-delivery"); return; }
      if (!inner || !site || addrKey(pkt, 8) !== addrKey(site.anchorAddr, 0)) { this.lose(meta, "mn-tunnel-unknown"); return; }
    } else if (addrKey(pkt, 24) !== m.coaKey) {
      // the MN left the access link while the packet was on it
      this.lose(meta, "mn-moved-during-delivery");
      return;
    }
    this.delivered(meta);
  }

  private delivered(meta: Meta): void {
    const pathUs = this.q.now - meta.sentUs;
    this.m.delivered(pathUs, meta.directUs, !meta.tunnelled);
    this.observe?.({ scheme: this.scheme, mn: meta.mn, dar: meta.dar, cn: meta.cn, up: meta.up, pathUs, directUs: meta.directUs, tunnelled: meta.tunnelled });
  }

  // ---------------------------------------------------------------------------------------
  // flows

  private startFlow(plan: FlowPlan): void {
    const m = this.mns[plan.mn]!;
    const t = this.sc.topology;
    const site = this.scheme === "central" ? [...m.sites.values()].find((s) => s.permanent)! : this.currentSite(m, this.misc.below(0x10000));
    const cnNode = plan.local ? t.edge[m.dar]! : t.internet;
    const cnAddr = plan.local ? address(G_EDGE, cnNode, 2) : address(G_INTERNET, 0, 2);
    site.flows++;
    this.m.flows++;
    const flow: Flow = { id: this.flowCounter++, mn: m, site, cnNode, cnAddr, endUs: this.q.now + plan.durationUs };
    this.flowTick(flow);
  }

  private flowTick(f: Flow): void {
    const m = f.mn;
    const t = this.sc.topology;
    const darNode = t.dars[m.dar]!;
    const oneWay = t.accessUs + this.routes.delay(darNode, f.cnNode);
    const inner = udpPacket(f.site.hoa, f.cnAddr, this.sc.payloadBytes, f.id);
    const direct = f.site.key === m.coaKey;
    const up = direct ? inner : encapsulate(m.coa, f.site.anchorAddr, inner);
    this.m.dataSent += 2;
    this.fromMn(m, up, { data: true, mn: m.id, sentUs: this.q.now, directUs: oneWay, tunnelled: !direct, dar: m.dar, cn: f.cnNode, up: true });
    const down = udpPacket(f.cnAddr, f.site.hoa, this.sc.payloadBytes, f.id);
    this.transmit(f.cnNode, down, { data: true, mn: m.id, sentUs: this.q.now, directUs: oneWay, tunnelled: false, dar: m.dar, cn: f.cnNode, up: false });
    const next = this.q.now + this.sc.packetIntervalMs * 1000;
    if (next < f.endUs) this.q.push(next, { k: 4, flow: f });
    else this.q.push(f.endUs, { k: 5, flow: f });
  }

  private endFlow(f: Flow): void {
    const m = f.mn;
    const s = f.site;
    s.flows--;
    if (s.flows > 0 || s.permanent || s.key === m.coaKey) return;
    if (!m.core) { m.sites.delete(s.key); return; }
    const cs = m.core.sites().find((x) => x.hoa === formatIPv6(s.hoa));
    if (!cs) { m.sites.delete(s.key); return; }
    this.m.event("release");
    m.core.release(cs.index, this.nowMs());
    this.after(m);
  }
}
