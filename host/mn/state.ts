// The MN agent's state file: what a restarted agent needs to continue where it stopped.
//   { "format": "fama-mn-state", "version": 1, "savedAt": ISO time,
//     "key": SHA-1 of the public key (SPKI DER, hex): the modifier belongs to this key,
//     "sec": N, "modifier": 32 hex digits,
//     "pins": ["addr", ...],                      addresses pinned with `fama mn keep`
//     "sites": [ { "prefix", "anchor", "hoa", "seq", "phkt": hex|null, "phktSeq", "coaTest",
//                  "current": bool } ] }
// It holds PHKTs, so it is written 0600 with write-then-rename (host/state-file.ts).
// `restoreSites` puts the saved sites back into the core at start, `mnStateOf` takes the state
// of a running agent, and `StateWriter` writes it shortly after each change and at stop.
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { dirname } from "node:path";
import type { Mn } from "../core/mn.js";
import { InputError } from "../errors.js";
import type { Logger } from "../log.js";
import { writeFileAtomic } from "../state-file.js";

export interface SavedSite {
  prefix: string;
  anchor: string;
  hoa: string;
  seq: number;
  phkt: string | null;
  phktSeq: number;
  coaTest: boolean;
  current: boolean;
}

export interface MnState {
  key: string;
  sec: number;
  modifier: string;
  pins: string[];
  sites: SavedSite[];
}

const FORMAT = "fama-mn-state";
const VERSION = 1;
const HEX = (n: number) => new RegExp(`^[0-9a-f]{${n}}$`);

export function readMnState(path: string): MnState | null {
  if (!existsSync(path)) return null;
  let j: Record<string, unknown>;
  try {
    j = JSON.parse(readFileSync(path, "utf8")) as Record<string, unknown>;
  } catch (e) {
    throw new InputError(`state file ${path} is not valid JSON: ${(e as Error).message}`);
  }
  const bad = (why: string) => new InputError(`state file ${path}: ${why}`);
  if (j.format !== FORMAT || j.version !== VERSION) throw bad(`not a ${FORMAT} version ${VERSION} file`);
  if (typeof j.key !== "string" || !HEX(40).test(j.key)) throw bad("bad key fingerprint");
  if (typeof j.modifier !== "string" || !HEX(32).test(j.modifier)) throw bad("bad modifier");
  if (typeof j.sec !== "number" || !Number.isInteger(j.sec) || j.sec < 0 || j.sec > 7) throw bad("bad sec");
  const pins = Array.isArray(j.pins) ? j.pins.filter((p): p is string => typeof p === "string") : [];
  const sites = Array.isArray(j.sites) ? j.sites : [];
  const out: SavedSite[] = sites.map((s, i) => {
    const o = s as Record<string, unknown>;
    const ok = typeof o.prefix === "string" && typeof o.anchor === "string" && typeof o.hoa === "string"
      && Number.isInteger(o.seq) && (o.phkt === null || (typeof o.phkt === "string" && HEX(16).test(o.phkt)))
      && Number.isInteger(o.phktSeq);
    if (!ok) throw bad(`site ${i} malformed`);
    return { prefix: o.prefix as string, anchor: o.anchor as string, hoa: o.hoa as string, seq: (o.seq as number) & 0xffff,
      phkt: o.phkt as string | null, phktSeq: (o.phktSeq as number) & 0xffff, coaTest: o.coaTest === true, current: o.current === true };
  });
  return { key: j.key, sec: j.sec, modifier: j.modifier, pins, sites: out };
}

export function writeMnState(path: string, s: MnState): void {
  const json = { format: FORMAT, version: VERSION, savedAt: new Date().toISOString(), ...s };
  writeFileAtomic(path, JSON.stringify(json, null, 1) + "\n");
}

/** Recreates the saved sites in the core (before the first attach); returns the HoAs restored. */
export function restoreSites(mn: Mn, sites: readonly SavedSite[], log: Logger): string[] {
  const restored: string[] = [];
  for (const s of sites) {
    try {
      const i = mn.restore({ prefix: s.prefix, anchor: s.anchor, coaTest: s.coaTest, seq: s.seq, phkt: s.phkt ? new Uint8Array(Buffer.from(s.phkt, "hex")) : null, phktSeq: s.phktSeq });
      const hoa = mn.site(i)!.hoa;
      if (hoa !== s.hoa) log.warn("state.hoa_mismatch", { saved: s.hoa, formed: hoa });
      restored.push(hoa);
      log.info("state.site_restored", { hoa, anchor: s.anchor, seq: s.seq, phkt: s.phkt !== null });
    } catch (e) {
      log.warn("state.site_skipped", { hoa: s.hoa, error: e });
    }
  }
  return restored;
}

/** The state of a running agent: its key's fingerprint, Sec and modifier, pins, and the core's sites. */
export function mnStateOf(mn: Mn, id: { fingerprint: string; sec: number; modifier: Uint8Array }, pins: Iterable<string>): MnState {
  const sites = mn.sites().map((s) => {
    const phkt = mn.sitePhkt(s.index);
    return { prefix: s.prefix, anchor: s.anchor, hoa: s.hoa, seq: s.seq, phkt: phkt ? Buffer.from(phkt).toString("hex") : null, phktSeq: s.phktSeq, coaTest: s.coaTest, current: s.current };
  });
  return { key: id.fingerprint, sec: id.sec, modifier: Buffer.from(id.modifier).toString("hex"), pins: [...pins], sites };
}

/** Writes the state file 50 ms after a change (one write for a burst of events), or now. */
export class StateWriter {
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;

  constructor(private readonly path: string, private readonly state: () => MnState, private readonly log: Logger) {}

  schedule(): void {
    if (this.timer || this.stopped) return;
    this.timer = setTimeout(() => { this.timer = null; this.save(); }, 50);
  }

  save(): void {
    try {
      mkdirSync(dirname(this.path), { recursive: true, mode: 0o700 });
      writeMnState(this.path, this.state());
    } catch (e) {
      this.log.error("state.write_failed", { file: this.path, error: e });
    }
  }

  /** No more scheduled writes (save() still writes). */
  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}
