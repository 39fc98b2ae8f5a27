// A small TypeScript model of one DAR: the binding cache and the decision table of
// PROTOCOL.md §2.2 (BU processing, steps 2-9), the BA contents of §2.3 and the data plane of
// §2.5, written from the profile, not from the core. tests/core/dar-model.test.ts runs random
// step sequences against it and the module side by side and compares after every step.
//
// What a BU "is" comes from the test that built it (BuFacts): the model does not parse bytes
// or do cryptography. It knows which PHKT the DAR holds for each HoA (the test decrypts every
// cga-mode BA), so it can decide whether a phkt-mode authenticator verifies: it does exactly
// when the MN keyed it with the PHKT the DAR holds now and no bit of it was flipped.
//
// Times are ms of the host clock; a binding is dead once now >= expiresAt (lifetimes are
// whole seconds: expiresAt = acceptance time + granted lifetime * 1000).

/** The PHKT a binding holds: its hex, or UNKNOWN when nobody outside the DAR saw it (no BA). */
export type PhktRef = string | typeof UNKNOWN_PHKT;
export const UNKNOWN_PHKT: unique symbol = Symbol("phkt issued without a BA");

export interface ModelBinding {
  coa: string;
  seq: number;
  /** Seconds granted by the last accepted BU. */
  lifetime: number;
  expiresAt: number;
  phkt: PhktRef | null;
  pktsToMn: number;
  pktsFromMn: number;
}

export interface ModelConfig {
  anchor: string;
  /** Is this address inside one of the DAR's prefixes? */
  inPrefixes: (addr: string) => boolean;
  maxLifetime: number;
  capacity: number;
  coaTest: boolean;
}

/** What the test knows about a BU it built (or is replaying). */
export interface BuFacts {
  hoa: string;
  /** IPv6 source (the BA goes there). */
  src: string;
  /** The CoA it binds (Alternate CoA or the source). */
  coa: string;
  seq: number;
  /** Requested lifetime, 4-second units (0 = deregistration). */
  lifetimeUnits: number;
  mode: "cga" | "phkt";
  /** cga mode: CGA verification and signature both pass (HoA is a CGA of the signing key). */
  cgaValid?: boolean;
  /** BAD present: keyed with this PHKT hex (phkt mode) or with zeros (cga mode); flipped = one bit wrong. */
  bad?: { phkt: string | null; flipped: boolean } | null;
  /** Care-of nonce index (0 = none). The model tests only use indices the DAR never issued. */
  coni?: number;
  /** The A flag. */
  ack: boolean;
}

export type BuOutcome =
  | {
    kind: "BA";
    status: number;
    seq: number;
    /** 4-second units. */
    lifetime: number;
    /** Option types, not counting Pad1/PadN/Binding Refresh Advice. */
    options: number[];
    dst: string;
    rh2: string;
    /**
     * How the BA's authenticator is keyed: "issued" = the PHKT in the BA's PHKT option
     * (with an 8-byte zero care-of part), "held" = Kbm(held PHKT | zeros), "dereg" = SHA1(held PHKT).
     */
    auth: null | { kind: "issued" } | { kind: "held" | "dereg"; phkt: PhktRef };
  }
  | { kind: "drop"; reason: string };

export interface ModelEvent { kind: "added" | "moved" | "removed" | "refreshed"; hoa: string; coa: string; seq: number; lifetime: number }

export type DataOutcome = { kind: "encap"; coa: string } | { kind: "decap" } | { kind: "drop"; reason: string };

/** RFC 6275 §9.5.1: `seq` is newer than `last` modulo 2^16. */
export function seqNewer(seq: number, last: number): boolean {
  const d = (seq - last) & 0xffff;
  return d !== 0 && d < 0x8000;
}

export class DarModel {
  readonly bindings = new Map<string, ModelBinding>();
  events: ModelEvent[] = [];

  constructor(readonly cfg: ModelConfig) {}

  /** tick(now): every binding whose lifetime is over goes, with a `removed` event. */
  tick(now: number): void {
    for (const [hoa, b] of [...this.bindings]) {
      if (now >= b.expiresAt) this.remove(hoa);
    }
  }

  private remove(hoa: string): void {
    const b = this.bindings.get(hoa)!;
    this.events.push({ kind: "removed", hoa, coa: b.coa, seq: b.seq, lifetime: 0 });
    this.bindings.delete(hoa);
  }

  /** The live binding for `hoa` (the test ticks before every packet, so none is dead). */
  live(hoa: string, now: number): ModelBinding | undefined {
    const b = this.bindings.get(hoa);
    if (b && now >= b.expiresAt) {
      this.remove(hoa);
      return undefined;
    }
    return b;
  }

  drainEvents(): ModelEvent[] {
    const e = this.events;
    this.events = [];
    return e;
  }

  /**
   * PROTOCOL.md §2.2 steps 2-9 for a well-formed BU (step 1 is the parser's, out of the model).
   * `issued` is called for an accepted cga-mode registration and returns the PHKT the DAR drew
   * (the test decrypts it from the BA, or UNKNOWN_PHKT when there is no BA).
   */
  bu(f: BuFacts, now: number, issued: () => PhktRef): BuOutcome {
    const ba = (status: number, seq: number, lifetime = 0, options: number[] = [], auth: Extract<BuOutcome, { kind: "BA" }>["auth"] = null): BuOutcome =>
      ({ kind: "BA", status, seq, lifetime, options, dst: f.src, rh2: f.hoa, auth });
    const cga = f.mode === "cga";
    const coni = f.coni ?? 0;
    // Step 2.
    if (!this.cfg.inPrefixes(f.hoa)) return ba(132, f.seq);
    // Step 3.
    const b = this.live(f.hoa, now);
    const held = b?.phkt ?? null;
    if (b && !seqNewer(f.seq, b.seq)) {
      // A phkt-mode 135 is authenticated with the held PHKT (care-of part: none known here).
      if (!cga && held !== null) return ba(135, b.seq, 0, [5], { kind: "held", phkt: held });
      return ba(135, b.seq);
    }
    // Step 4 / 5.
    if (cga) {
      if (!f.cgaValid) return ba(148, f.seq);
    } else if (held === null) {
      return ba(147, f.seq);
    }
    // Step 6: the model only sends indices the DAR never issued.
    if ((this.cfg.coaTest && coni === 0) || coni !== 0) return ba(137, f.seq);
    // Step 7.
    if (f.bad) {
      const keyOk = cga ? f.bad.phkt === null : f.bad.phkt !== null && f.bad.phkt === held;
      if (f.bad.flipped || !keyOk) return { kind: "drop", reason: "bad-auth-failed" };
    }
    const dereg = f.lifetimeUnits === 0;
    // Step 9, deregistration.
    if (dereg) {
      if (!b) return ba(133, f.seq);
      this.remove(f.hoa);
      if (!f.ack) return { kind: "drop", reason: "bu-no-ack" };
      return cga ? ba(0, f.seq) : ba(0, f.seq, 0, [5], { kind: "dereg", phkt: held! });
    }
    // Step 8 (the cache is full only for a new HoA).
    if (!b && this.bindings.size >= this.cfg.capacity) return ba(130, f.seq);
    // Step 9, registration.
    let units = Math.min(f.lifetimeUnits, Math.floor(this.cfg.maxLifetime / 4));
    if (units === 0) units = 1;
    const lifetime = units * 4;
    const phkt = cga ? (f.ack ? null : UNKNOWN_PHKT) : held;
    const next: ModelBinding = {
      coa: f.coa, seq: f.seq, lifetime, expiresAt: now + lifetime * 1000, phkt,
      pktsToMn: b?.pktsToMn ?? 0, pktsFromMn: b?.pktsFromMn ?? 0,
    };
    this.bindings.set(f.hoa, next);
    if (!b) this.events.push({ kind: "added", hoa: f.hoa, coa: f.coa, seq: f.seq, lifetime });
    else this.events.push({ kind: b.coa !== f.coa ? "moved" : "refreshed", hoa: f.hoa, coa: f.coa, seq: f.seq, lifetime });
    if (!f.ack) return { kind: "drop", reason: "bu-no-ack" };
    if (cga) {
      // The caller decrypts the BA's PHKT option; the binding holds it from now on.
      next.phkt = issued();
      return ba(0, f.seq, units, [14, 5], { kind: "issued" });
    }
    return ba(0, f.seq, units, [5], { kind: "held", phkt: held! });
  }

  /** A correspondent's packet to `dst` (hop limit > 1, fits the tunnel MTU). */
  toHoa(dst: string, now: number): DataOutcome {
    const b = this.live(dst, now);
    if (b) {
      b.pktsToMn++;
      return { kind: "encap", coa: b.coa };
    }
    return { kind: "drop", reason: this.cfg.inPrefixes(dst) ? "unbound" : "not-for-us" };
  }

  /** A tunnel packet outerSrc -> anchor whose inner source is `innerSrc` (§2.5 spoofing check). */
  fromMn(outerSrc: string, innerSrc: string, now: number): DataOutcome {
    const b = this.live(innerSrc, now);
    if (!b) return { kind: "drop", reason: "tunnel-unbound" };
    if (b.coa !== outerSrc) return { kind: "drop", reason: "spoofed" };
    b.pktsFromMn++;
    return { kind: "decap" };
  }
}
