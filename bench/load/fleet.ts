// Honest simulated MNs: register (cga mode), refresh (phkt mode, same CoA), move (phkt mode, new
// CoA) and deregister (phkt mode, lifetime 0), each BU retransmitted like the MN's Binding Update
// List does (assembly/mn/bul.ts, RFC 6275 §11.8): first timeout 1 s, doubling up to 32 s, a new
// larger sequence number every time (PROTOCOL.md §2.2), at once after a 135 with the DAR's last
// accepted number + 1. BUs are built by the test MN of tests/support/mobile-node.ts (node:crypto,
// independent of the core); the first BU of every operation is built (and signed) in `prepare`,
// before anything is timed; retransmissions of cga-mode BUs are signed when they are due. The BA's
// PHKT is decrypted when the MN first needs it (after the timed part of a registration).
import type { Core } from "../../host/wasm.js";
import { buildBu, phktOf } from "../../tests/support/mobile-node.js";
import type { Identity } from "./population.js";
import { coaOf, coaOwner, COA_CLASS } from "./population.js";
import { LOAD_PLAN } from "./net.js";
import { percentile } from "./percentile.js";
import type { Wire, BaSeen } from "./wire.js";

export const INITIAL_TIMEOUT_MS = 1000;
export const MAX_TIMEOUT_MS = 32000;

export type OpKind = "register" | "refresh" | "move" | "deregister";

export interface Mn {
  index: number;
  id: Identity;
  move: number;
  coa: string;
  seq: number;
  /** The last BU the DAR accepted (the replay attack sends it again). */
  acceptedBu: Uint8Array | null;
  /** The accepted cga-mode BA, kept until its PHKT is decrypted. */
  registrationBa: Uint8Array | null;
  phkt: Uint8Array | null;
}

export interface OpResult {
  mn: number;
  kind: OpKind;
  /** Transmissions sent (1: the first BU was accepted). */
  attempts: number;
  /** First BU sent -> accepting BA read, ms (NaN if never accepted). */
  latencyMs: number;
  /** Last BA status (-1: none arrived). */
  status: number;
  accepted: boolean;
}

interface Op {
  mn: Mn;
  kind: OpKind;
  packet: Uint8Array;
  /** BUs built ahead for the next transmissions (FleetOptions.presign), with their numbers. */
  ahead: { packet: Uint8Array; seq: number }[];
  seq: number;
  firstAt: number;
  deadline: number;
  timeoutMs: number;
  attempts: number;
  maxAttempts: number;
  status: number;
  resolve: (r: OpResult) => void;
}

export interface FleetOptions {
  lifetime?: number;
  /** Transmissions before an operation gives up (default 6: 1 + 5 retransmissions, 31 s). */
  maxAttempts?: number;
  /** BUs built (signed) in `prepare` per operation (default 1: retransmissions are built when due). */
  presign?: number;
}

export class Fleet {
  readonly mns: Mn[];
  private readonly pending = new Map<number, Op>();
  private timer: NodeJS.Timeout | null = null;
  retransmissions = 0;
  unmatchedBas = 0;
  /** Time this process spent signing cga-mode retransmissions, ms (the generator's own cost). */
  resignMs = 0;

  constructor(private readonly core: Core, private readonly wire: Wire, ids: readonly Identity[], private readonly opts: FleetOptions = {}) {
    this.mns = ids.map((id, index) => ({ index, id, move: 0, coa: coaOf(index, COA_CLASS.honest, 0), seq: 0, acceptedBu: null, registrationBa: null, phkt: null }));
  }

  /** The BA handler the wire calls for honest care-of addresses (others go to `other`). */
  handleBa(ba: BaSeen, len: number, at: number, other: (ba: BaSeen) => void): void {
    const [cls, index] = coaOwner(ba.p, 24);
    if (cls >= COA_CLASS.flood) { other(ba); return; }
    const op = this.pending.get(index);
    if (!op || ba.seq !== op.seq && ba.status !== 135) { this.unmatchedBas++; return; }
    op.status = ba.status;
    if (ba.status < 128) {
      // a registration brings a new PHKT (decrypted when first needed); a deregistration ends the old one
      if (op.kind === "register") { op.mn.registrationBa = ba.p.slice(0, len); op.mn.phkt = null; }
      if (op.kind === "deregister") op.mn.phkt = null;
      this.finish(op, at, true);
    } else if (ba.status === 135) {
      // the DAR's last accepted number: BUs built ahead at or below it would be refused again
      op.ahead = op.ahead.filter((a) => serialAfter(a.seq, ba.seq));
      if (op.ahead.length === 0) op.mn.seq = ba.seq;
      this.transmit(op, at, false);
    }
    // other refusals (130: over the DAR's budget, 147 ...): the retransmission timer runs on
  }

  /** Builds (and signs) the first BU of `kind` for each MN; nothing is sent yet. */
  prepare(kind: OpKind, mns: readonly Mn[]): Op[] {
    return mns.map((mn) => {
      if (kind === "move") { mn.move++; mn.coa = coaOf(mn.index, COA_CLASS.honest, mn.move); }
      const op: Op = { mn, kind, packet: new Uint8Array(0), ahead: [], seq: 0, firstAt: NaN, deadline: Infinity, timeoutMs: INITIAL_TIMEOUT_MS, attempts: 0, maxAttempts: this.opts.maxAttempts ?? 6, status: -1, resolve: () => undefined };
      this.build(op);
      const first = { packet: op.packet, seq: op.seq };
      for (let k = 1; k < (this.opts.presign ?? 1); k++) { this.build(op); op.ahead.push({ packet: op.packet, seq: op.seq }); }
      op.packet = first.packet;
      op.seq = first.seq;
      return op;
    });
  }

  /** Sends the prepared operations at `perSecond` (Infinity: all at once, in chunks) and
   *  resolves with their results once every one has been accepted or has given up. */
  async run(ops: Op[], perSecond = Infinity, maxAttempts?: number): Promise<OpResult[]> {
    if (maxAttempts !== undefined) for (const op of ops) op.maxAttempts = maxAttempts;
    this.startTimer();
    const results = ops.map((op) => new Promise<OpResult>((r) => { op.resolve = r; }));
    const chunk = Number.isFinite(perSecond) ? Math.max(1, Math.round(perSecond / 200)) : 256;
    const gapMs = Number.isFinite(perSecond) ? (chunk * 1000) / perSecond : 0;
    const t0 = performance.now();
    for (let i = 0; i < ops.length; i += chunk) {
      if (gapMs > 0) { const due = t0 + (i / chunk) * gapMs; const wait = due - performance.now(); if (wait > 1) await sleep(wait); }
      const now = performance.now();
      for (const op of ops.slice(i, i + chunk)) {
        if (this.pending.has(op.mn.index)) throw new Error(`MN ${op.mn.index} already has an operation in flight`);
        this.pending.set(op.mn.index, op);
        op.firstAt = now;
        this.transmit(op, now, true);
      }
      await new Promise((r) => setImmediate(r));
    }
    const out = await Promise.all(results);
    if (this.pending.size === 0) this.stopTimer();
    return out;
  }

  /** The PHKT of an MN's registration, decrypted now if it was not yet. */
  phktOf(mn: Mn): Uint8Array | null {
    if (!mn.phkt && mn.registrationBa) { mn.phkt = phktOf(mn.registrationBa, mn.id.key); mn.registrationBa = null; }
    return mn.phkt;
  }

  private build(op: Op): void {
    const mn = op.mn;
    mn.seq = (mn.seq + 1) & 0xffff;
    op.seq = mn.seq;
    const base = { coa: mn.coa, anchor: LOAD_PLAN.anchor, hoa: mn.id.hoa, seq: op.seq, lifetime: op.kind === "deregister" ? 0 : (this.opts.lifetime ?? 600) };
    if (op.kind === "register") op.packet = buildBu(this.core, { ...base, cga: { key: mn.id.key, params: mn.id.params } });
    else {
      const phkt = this.phktOf(mn);
      if (!phkt) throw new Error(`MN ${mn.index} has no PHKT for a ${op.kind}`);
      op.packet = buildBu(this.core, { ...base, phkt });
    }
  }

  private transmit(op: Op, now: number, first: boolean): void {
    if (!first) {
      const next = op.ahead.shift();
      if (next) { op.packet = next.packet; op.seq = next.seq; }
      else {
        const t = performance.now();
        this.build(op);
        if (op.kind === "register") this.resignMs += performance.now() - t;
      }
      this.retransmissions++;
    }
    op.attempts++;
    op.deadline = now + op.timeoutMs;
    this.wire.send(op.packet);
  }

  private finish(op: Op, at: number, accepted: boolean): void {
    this.pending.delete(op.mn.index);
    if (accepted) op.mn.acceptedBu = op.packet;
    op.resolve({ mn: op.mn.index, kind: op.kind, attempts: op.attempts, latencyMs: accepted ? at - op.firstAt : NaN, status: op.status, accepted });
  }

  private startTimer(): void {
    this.timer ??= setInterval(() => {
      const now = performance.now();
      for (const op of this.pending.values()) {
        if (op.deadline > now) continue;
        if (op.attempts >= op.maxAttempts) { this.finish(op, now, false); continue; }
        op.timeoutMs = Math.min(op.timeoutMs * 2, MAX_TIMEOUT_MS);
        this.transmit(op, now, false);
      }
    }, 20);
  }

  stopTimer(): void { if (this.timer) clearInterval(this.timer); this.timer = null; }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** a > b modulo 2^16 (RFC 6275 §9.5.1). */
const serialAfter = (a: number, b: number) => a !== b && ((a - b) & 0x8000) === 0;

export function summarize(rs: readonly OpResult[]): { n: number; accepted: number; withinAttempts: (k: number) => number; p50: number; p99: number; max: number } {
  const lat = rs.filter((r) => r.accepted).map((r) => r.latencyMs).sort((a, b) => a - b);
  return { n: rs.length, accepted: lat.length, withinAttempts: (k) => rs.filter((r) => r.accepted && r.attempts <= k).length, p50: percentile(lat, 0.5), p99: percentile(lat, 0.99), max: lat.at(-1) ?? NaN };
}
