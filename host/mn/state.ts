// The MN agent's state file: what a restarted agent needs to continue where it stopped.
//   { "format": "fama-mn-state", "version": 1, "savedAt": ISO time,
//     "key": SHA-1 of the public key (SPKI DER, hex): the modifier belongs to this key,
//     "sec": N, "modifier": 32 hex digits,
//     "pins": ["addr", ...],                      addresses pinned with `fama mn keep`
//     "sites": [ { "prefix", "anchor", "hoa", "seq", "phkt": hex|null, "phktSeq", "coaTest",
//                  "current": bool } ] }
// It holds PHKTs, so it is written 0600 with write-then-rename (host/state-file.ts).
import { existsSync, readFileSync } from "node:fs";
import { InputError } from "../errors.js";
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
