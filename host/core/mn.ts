// Typed wrapper over the MN role's ABI (assembly/mn/exports.ts): configuration, attach /
// release / restore, the private-key answers, the packet batch, timers, events, outbox,
// counters and the Binding Update List (site records). The only host file that knows these
// record layouts (with host/core/batch.ts for the descriptors); they are documented in
// assembly/mn/{config,sites,events,outbox,counters,divert}.ts.
import type { Core } from "../wasm.js";
import { formatIPv6, parseIPv6 } from "../ipv6.js";
import { BatchRoleBase, VERDICT_SEND, type BatchExports } from "./batch.js";
import { CounterBank } from "./counters.js";
import { writeScratch } from "./scratch.js";

/** Counter names in index order: mirrors assembly/mn/counters.ts. */
export const MN_COUNTER_NAMES = [
  "rx", "tx", "encap", "decap", "malformed", "not-configured", "not-ours", "tunnel-unknown", "spoofed",
  "too-big", "anchor-other", "control", "mh-malformed", "mh-unexpected", "ba-received", "ba-unmatched",
  "ba-bad-auth", "ba-accepted", "ba-rejected", "cot-received", "cot-unmatched", "bu-sent", "coti-sent",
  "retransmissions", "outbox-full", "events-lost", "sign-requests", "decrypt-requests", "decrypt-failed",
  "build-failed", "no-random", "bindings-lost", "stale-answers",
] as const;
export type MnCounterName = (typeof MN_COUNTER_NAMES)[number];

const CONFIG_ERRORS: Record<number, string> = {
  1: "sec must be 0..7",
  2: "public key is not an acceptable RSA SubjectPublicKeyInfo",
  3: "the CGA modifier does not satisfy Hash2 for this key and Sec",
  4: "initialTimeoutMs must be 10..32000",
  5: "lifetime must be 4..262140 seconds",
  6: "tunnelMtu must be 1280..65535",
  7: "reserved field not zero",
  8: "key or modifier cannot change while sites exist",
};

export const MN_ERRORS: Record<number, string> = {
  [-1]: "MN not configured", [-2]: "site table full", [-3]: "no such site", [-4]: "the current site (its HoA is the CoA)",
  [-5]: "stale answer (no such request outstanding)", [-6]: "wrong signature length", [-7]: "cannot build CGA Parameters",
};

export class MnError extends Error {
  constructor(message: string, readonly code: number) { super(message); }
}

// ---- site record (assembly/mn/sites.ts)
const S = {
  USED: 0, FLAGS: 4, PHASE: 8, GOAL: 12, PREFIX: 16, ANCHOR: 32, HOA: 48, SEQ: 64, PHKT_SEQ: 68, GRANTED: 72,
  TRIES: 76, BOUND_SENT: 80, EXPIRY: 88, REFRESH: 96, DEADLINE: 104, TIMEOUT: 112, LAST_STATUS: 116, MODE: 120,
  CONI: 124, PHKT: 128, TOKEN_AT: 152, PKTS_ENC: 160, BYTES_ENC: 168, PKTS_DEC: 176, BYTES_DEC: 184,
  LAST_ACT: 192, SERIES_AT: 200, PARAMS_LEN: 208, PEND_SENT: 216, HANDOVER_AT: 312,
} as const;
const SF = { CURRENT: 1, COA_TEST: 2, BOUND: 4, HAS_PHKT: 8, RELEASING: 16, LOST: 32, TOKEN: 64, HANDOVER: 128 } as const;
const PHASES = ["idle", "sign", "ba", "decrypt", "cot"] as const;
const GOALS = ["none", "register", "deregister"] as const;

export interface MnSite {
  index: number;
  prefix: string;
  anchor: string;
  hoa: string;
  current: boolean;
  coaTest: boolean;
  bound: boolean;
  hasPhkt: boolean;
  releasing: boolean;
  lost: boolean;
  phase: (typeof PHASES)[number];
  goal: (typeof GOALS)[number];
  /** mode of the last BU: cga or phkt */
  mode: "cga" | "phkt";
  seq: number;
  phktSeq: number;
  /** seconds granted by the last accepted BA */
  lifetime: number;
  expiresAt: number;
  refreshAt: number;
  /** next timer of the site (ms; 0 none) */
  deadline: number;
  timeoutMs: number;
  tries: number;
  lastStatus: number | null;
  seriesAt: number;
  handoverAt: number;
  pktsEncap: bigint;
  bytesEncap: bigint;
  pktsDecap: bigint;
  bytesDecap: bigint;
  lastActivity: number;
}

// ---- events (assembly/mn/events.ts)
export const MN_EVENT_KINDS = [
  "", "sign-request", "decrypt-request", "bu-sent", "ba-received", "bound", "rejected", "released", "lost",
  "coti-sent", "cot-received", "home", "gave-up",
] as const;
export type MnEventKind = Exclude<(typeof MN_EVENT_KINDS)[number], "">;
export interface MnEvent {
  kind: MnEventKind;
  site: number;
  status: number;
  seq: number;
  lifetime: number;
  /** sign-request: the 20-byte digest; decrypt-request: the PHKT ciphertext (copies) */
  data: Uint8Array | null;
  mode: "cga" | "phkt";
  retransmission: boolean;
  deregistration: boolean;
  hoa: string;
  coa: string;
}
const EVENT_SIZE = 64;

export interface MnCoreConfig {
  /** RSA SubjectPublicKeyInfo DER of the MN's key */
  spki: Uint8Array;
  /** 16-byte CGA modifier found for (key, sec) */
  modifier: Uint8Array;
  sec: number;
  initialTimeoutMs: number;
  /** requested binding lifetime, seconds */
  lifetime: number;
  tunnelMtu: number;
}

export interface OutboxPacket { site: number; type: number; packet: Uint8Array }

/** Configuration record fields (assembly/mn/config.ts). */
const CFG = { SEC: 0, SPKI_LEN: 4, INITIAL_TIMEOUT: 8, LIFETIME: 12, TUNNEL_MTU: 16, MODIFIER: 24, SPKI: 40 } as const;
/** Event record fields (assembly/mn/events.ts). */
const EV = { KIND: 0, SITE: 4, STATUS: 8, SEQ: 12, LIFETIME: 16, DATA_PTR: 20, DATA_LEN: 24, MODE: 28, HOA: 32, COA: 48 } as const;
/** Outbox entry fields (assembly/mn/outbox.ts). */
const OB = { LEN: 0, SITE: 4, TYPE: 8, PACKET: 16 } as const;

type MnExports = BatchExports & {
  mn_config_record(): number; mn_config_size(): number; mn_configure(ptr: number): number;
  mn_scratch(): number; mn_scratch_size(): number;
  mn_attach(prefix: number, anchor: number, coaTest: number, now: number): number;
  mn_release(site: number, now: number): number;
  mn_restore(prefix: number, anchor: number, coaTest: number, seq: number, phkt: number, phktSeq: number): number;
  mn_sign_answer(site: number, seq: number, sig: number, len: number, now: number): number;
  mn_decrypt_answer(site: number, seq: number, phkt: number, now: number): number;
  mn_process_batch(n: number, now: number): number;
  mn_tick(now: number): void;
  mn_next_timer(): number;
  mn_events_base(): number; mn_events_count(): number; mn_events_clear(): void;
  mn_outbox_base(): number; mn_outbox_count(): number; mn_outbox_stride(): number; mn_outbox_clear(): void;
  mn_counters_base(): number; mn_counters_len(): number;
  mn_sites_max(): number; mn_site_size(): number; mn_site(i: number): number;
  mn_site_params(i: number): number; mn_site_params_len(i: number): number;
  mn_current(): number; mn_coa(): number;
  mn_divert_base(): number; mn_divert_count(): number;
};

function addrBytes(a: Uint8Array | string, what: string): Uint8Array {
  const b = typeof a === "string" ? parseIPv6(a.replace(/\/\d+$/, "")) : a;
  if (!b || b.length !== 16) throw new MnError(`${what}: not an IPv6 address: ${String(a)}`, 0);
  return b;
}

export class Mn extends BatchRoleBase {
  readonly x: MnExports;
  private readonly counterBank: CounterBank<MnCounterName>;

  constructor(readonly core: Core) {
    if (typeof (core.exports as Partial<MnExports>).mn_configure !== "function") throw new Error("core has no MN role (mn_* exports)");
    super(core);
    this.x = core.exports as unknown as MnExports;
    this.counterBank = new CounterBank(core, MN_COUNTER_NAMES, () => this.x.mn_counters_base(), this.x.mn_counters_len(), "MN counters");
  }

  private mem(): Uint8Array { return this.core.bytes(); }
  private dv(): DataView { const m = this.mem(); return new DataView(m.buffer, m.byteOffset, m.byteLength); }

  /** Lays byte strings out in the MN scratch buffer; returns their addresses. */
  private scratch(...parts: Uint8Array[]): number[] {
    return writeScratch(this.core, this.x.mn_scratch(), this.x.mn_scratch_size(), ...parts);
  }

  configure(cfg: MnCoreConfig): void {
    const size = this.x.mn_config_size();
    if (CFG.SPKI + cfg.spki.length > size) throw new MnError(`public key of ${cfg.spki.length} bytes is too long`, 2);
    if (cfg.modifier.length !== 16) throw new MnError("the CGA modifier is 16 bytes", 3);
    const rec = new Uint8Array(size);
    const v = new DataView(rec.buffer);
    v.setUint32(CFG.SEC, cfg.sec, true);
    v.setUint32(CFG.SPKI_LEN, cfg.spki.length, true);
    v.setUint32(CFG.INITIAL_TIMEOUT, cfg.initialTimeoutMs, true);
    v.setUint32(CFG.LIFETIME, cfg.lifetime, true);
    v.setUint32(CFG.TUNNEL_MTU, cfg.tunnelMtu, true);
    rec.set(cfg.modifier, CFG.MODIFIER);
    rec.set(cfg.spki, CFG.SPKI);
    const ptr = this.x.mn_config_record();
    this.mem().set(rec, ptr);
    const code = this.x.mn_configure(ptr);
    if (code !== 0) throw new MnError(`bad MN configuration: ${CONFIG_ERRORS[code] ?? `error ${code}`}`, code);
  }

  private check(code: number, what: string): number {
    if (code < 0) throw new MnError(`${what}: ${MN_ERRORS[code] ?? `error ${code}`}`, code);
    return code;
  }

  /** Link-up at a DAR: prefix (address or ADDR/LEN text, or 16 bytes) and anchor. Returns the site. */
  attach(prefix: Uint8Array | string, anchor: Uint8Array | string, coaTest: boolean, nowMs: number): number {
    const [p, a] = this.scratch(addrBytes(prefix, "prefix"), addrBytes(anchor, "anchor"));
    return this.check(this.x.mn_attach(p, a, coaTest ? 1 : 0, nowMs), "attach");
  }

  release(site: number, nowMs: number): void {
    this.check(this.x.mn_release(site, nowMs), `release site ${site}`);
  }

  restore(s: { prefix: Uint8Array | string; anchor: Uint8Array | string; coaTest?: boolean; seq: number; phkt?: Uint8Array | null; phktSeq?: number }): number {
    const parts = [addrBytes(s.prefix, "prefix"), addrBytes(s.anchor, "anchor")];
    if (s.phkt) {
      if (s.phkt.length !== 8) throw new MnError("a PHKT is 8 bytes", 0);
      parts.push(s.phkt);
    }
    const [p, a, k] = this.scratch(...parts);
    return this.check(this.x.mn_restore(p, a, s.coaTest ? 1 : 0, s.seq, k ?? 0, s.phktSeq ?? 0), "restore");
  }

  /** Answers a sign request; returns the core's code (0, or < 0 for a stale/invalid answer). */
  signAnswer(site: number, seq: number, signature: Uint8Array, nowMs: number): number {
    const [p] = this.scratch(signature);
    return this.x.mn_sign_answer(site, seq, p, signature.length, nowMs);
  }

  /** Answers a decrypt request (null: decryption failed): 0 stored, 1 failed, 2 BAD wrong, < 0 stale. */
  decryptAnswer(site: number, seq: number, phkt: Uint8Array | null, nowMs: number): number {
    if (!phkt) return this.x.mn_decrypt_answer(site, seq, 0, nowMs);
    const [p] = this.scratch(phkt);
    const r = this.x.mn_decrypt_answer(site, seq, p, nowMs);
    this.mem().fill(0, p, p + phkt.length);
    return r;
  }

  // ---- batch
  process(n: number, nowMs: number): number { return this.x.mn_process_batch(n, nowMs); }
  reasonName(i: number): MnCounterName | null { return this.verdict(i) === VERDICT_SEND ? null : this.counterBank.nameOf(this.batch.reason(i)); }
  /** A copy of slot i's output. */
  output(i: number): Uint8Array { return this.batch.output(i).slice(); }

  tick(nowMs: number): void { this.x.mn_tick(nowMs); }
  /** When tick next has work (ms since the epoch of the clock passed in), or null. */
  nextTimer(): number | null { const t = this.x.mn_next_timer(); return t < 0 ? null : t; }

  // ---- events and outbox
  eventCount(): number { return this.x.mn_events_count(); }

  drainEvents(): MnEvent[] {
    const n = this.x.mn_events_count();
    const base = this.x.mn_events_base();
    const mem = this.mem();
    const v = this.dv();
    const out: MnEvent[] = [];
    for (let i = 0; i < n; i++) {
      const p = base + i * EVENT_SIZE;
      const kind = MN_EVENT_KINDS[v.getUint32(p + EV.KIND, true)];
      if (!kind) continue;
      const dataPtr = v.getUint32(p + EV.DATA_PTR, true);
      const dataLen = v.getUint32(p + EV.DATA_LEN, true);
      const mode = v.getUint32(p + EV.MODE, true);
      out.push({
        kind,
        site: v.getUint32(p + EV.SITE, true),
        status: v.getUint32(p + EV.STATUS, true),
        seq: v.getUint32(p + EV.SEQ, true),
        lifetime: v.getUint32(p + EV.LIFETIME, true),
        data: dataLen ? mem.slice(dataPtr, dataPtr + dataLen) : null,
        mode: (mode & 0xff) === 1 ? "phkt" : "cga",
        retransmission: (mode & 0x100) !== 0,
        deregistration: (mode & 0x200) !== 0,
        hoa: formatIPv6(mem, p + EV.HOA),
        coa: formatIPv6(mem, p + EV.COA),
      });
    }
    this.x.mn_events_clear();
    return out;
  }

  outboxCount(): number { return this.x.mn_outbox_count(); }

  /** Calls `write(mem, offset, len)` for every queued packet (no copy), then empties the outbox. */
  flushOutbox(write: (mem: Uint8Array, offset: number, len: number, site: number, type: number) => void): number {
    const n = this.x.mn_outbox_count();
    if (n === 0) return 0;
    const base = this.x.mn_outbox_base();
    const stride = this.x.mn_outbox_stride();
    const mem = this.mem();
    const v = this.dv();
    for (let i = 0; i < n; i++) {
      const e = base + i * stride;
      write(mem, e + OB.PACKET, v.getUint32(e + OB.LEN, true), v.getUint32(e + OB.SITE, true), v.getUint32(e + OB.TYPE, true));
    }
    this.x.mn_outbox_clear();
    return n;
  }

  /** The queued packets as copies (tests). */
  drainOutbox(): OutboxPacket[] {
    const out: OutboxPacket[] = [];
    this.flushOutbox((mem, off, len, site, type) => out.push({ site, type, packet: mem.slice(off, off + len) }));
    return out;
  }

  /** The first Next Headers the core takes from an anchor (assembly/mn/divert.ts): what the
   *  host's tc filters divert into the TUN. */
  divertedProtocols(): number[] {
    return [...this.mem().subarray(this.x.mn_divert_base(), this.x.mn_divert_base() + this.x.mn_divert_count())];
  }

  // ---- state
  current(): number { return this.x.mn_current(); }
  coa(): string | null { return this.x.mn_current() < 0 ? null : formatIPv6(this.mem(), this.x.mn_coa()); }

  site(i: number): MnSite | null {
    const p = this.x.mn_site(i);
    if (!p) return null;
    const mem = this.mem();
    const v = this.dv();
    const u32 = (o: number) => v.getUint32(p + o, true);
    const f64 = (o: number) => v.getFloat64(p + o, true);
    const flags = u32(S.FLAGS);
    const status = u32(S.LAST_STATUS);
    return {
      index: i,
      prefix: `${formatIPv6(mem, p + S.PREFIX)}/64`,
      anchor: formatIPv6(mem, p + S.ANCHOR),
      hoa: formatIPv6(mem, p + S.HOA),
      current: (flags & SF.CURRENT) !== 0,
      coaTest: (flags & SF.COA_TEST) !== 0,
      bound: (flags & SF.BOUND) !== 0,
      hasPhkt: (flags & SF.HAS_PHKT) !== 0,
      releasing: (flags & SF.RELEASING) !== 0,
      lost: (flags & SF.LOST) !== 0,
      phase: PHASES[u32(S.PHASE)] ?? "idle",
      goal: GOALS[u32(S.GOAL)] ?? "none",
      mode: u32(S.MODE) === 1 ? "phkt" : "cga",
      seq: u32(S.SEQ),
      phktSeq: u32(S.PHKT_SEQ),
      lifetime: u32(S.GRANTED),
      expiresAt: f64(S.EXPIRY),
      refreshAt: f64(S.REFRESH),
      deadline: f64(S.DEADLINE),
      timeoutMs: u32(S.TIMEOUT),
      tries: u32(S.TRIES),
      lastStatus: status === 0xffffffff ? null : status,
      seriesAt: f64(S.SERIES_AT),
      handoverAt: f64(S.HANDOVER_AT),
      pktsEncap: v.getBigUint64(p + S.PKTS_ENC, true),
      bytesEncap: v.getBigUint64(p + S.BYTES_ENC, true),
      pktsDecap: v.getBigUint64(p + S.PKTS_DEC, true),
      bytesDecap: v.getBigUint64(p + S.BYTES_DEC, true),
      lastActivity: f64(S.LAST_ACT),
    };
  }

  sites(): MnSite[] {
    const out: MnSite[] = [];
    for (let i = 0; i < this.x.mn_sites_max(); i++) { const s = this.site(i); if (s) out.push(s); }
    return out;
  }

  /** Site i's PHKT (for the state file), or null. Handle with care: it is a secret. */
  sitePhkt(i: number): Uint8Array | null {
    const p = this.x.mn_site(i);
    if (!p || (this.dv().getUint32(p + S.FLAGS, true) & SF.HAS_PHKT) === 0) return null;
    return this.mem().slice(p + S.PHKT, p + S.PHKT + 8);
  }

  siteParams(i: number): Uint8Array | null {
    const p = this.x.mn_site_params(i);
    return p ? this.mem().slice(p, p + this.x.mn_site_params_len(i)) : null;
  }

  counter(name: MnCounterName): bigint { return this.counterBank.get(name); }
  counters(): Record<MnCounterName, bigint> { return this.counterBank.all(); }
}
