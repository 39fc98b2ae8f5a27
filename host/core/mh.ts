// Typed wrapper over the Mobility Header codec of the core (assembly/mh/). This is the only host
// file that knows the decode record, option table, build request and error code layouts; they
// are documented in assembly/mh/decode.ts and assembly/mh/build.ts.
import type { Core } from "../wasm.js";
import { scratchArea } from "./scratch.js";
import { InputError } from "../errors.js";
import { formatIPv6, parseIPv6 } from "../ipv6.js";

export interface MhOptionJson { type: number; len: number | null; data: string | null }
export interface MhFlagsJson { A: boolean | null; H: boolean | null; L: boolean | null; K: boolean }
export interface MhJson {
  type: number; seq: number | null; flags: MhFlagsJson | null; lifetime: number | null;
  status: number | null; checksumOk: boolean; cookie: string | null; nonceIndex: number | null;
  token: string | null; homeAddress: string | null; options: MhOptionJson[];
}
export type DecodeResult =
  | { ok: true; src: string; dst: string; hoa: string | null; rh2: string | null; mh: MhJson | null }
  | { ok: false; error: string; src?: string; dst?: string };

export interface PacketSpec {
  src: string; dst: string; hoa?: string | null; rh2?: string | null; hopLimit?: number;
  mh: {
    type: number; seq?: number; flags?: { A?: boolean; H?: boolean; L?: boolean; K?: boolean };
    lifetime?: number; status?: number; cookie?: string; nonceIndex?: number; token?: string;
    homeAddress?: string;
    options: { type: number; data: string }[];
  };
}

interface MhExports {
  mh_decode(ptr: number, len: number): number;
  mh_decode_record(): number;
  mh_decode_options(): number;
  mh_build(req: number, out: number, cap: number): number;
}

// ---- error codes (assembly/mh/errors.ts) -> the classes `fama decode` prints
const ERROR_CLASSES: Record<number, string> = {
  [-1]: "empty", [-2]: "truncated", [-3]: "payload-proto", [-4]: "header-len-min",
  [-5]: "header-len-exceeds-packet", [-6]: "length-mismatch", [-7]: "option-overrun",
  [-8]: "option-length", [-9]: "bad-not-last", [-10]: "checksum", [-11]: "unknown-type",
  [-12]: "option-fragment",
  [-20]: "hao-length", [-21]: "truncated", [-22]: "truncated", [-23]: "not-ipv6",
  [-24]: "truncated", [-25]: "option-overrun", [-26]: "option-length", [-27]: "rh2-format",
  [-28]: "duplicate",
  [-40]: "build-capacity", [-41]: "build-option", [-42]: "build-option", [-43]: "build-option",
};

/** The error class of a core status code (as in tests/vectors/mh/invalid.jsonl). */
export function mhErrorName(code: number): string {
  return ERROR_CLASSES[code] ?? `error-${code}`;
}

// ---- decode record (assembly/mh/decode.ts)
const DEC = {
  PRESENT: 4, SRC: 12, DST: 16, HOA: 20, RH2: 24, MH_TYPE: 48, FIELDS: 52, SEQ: 56, FLAGS: 60,
  LIFETIME: 64, STATUS: 68, NONCE_INDEX: 72, COOKIE: 76, TOKEN: 80, HOME_ADDRESS: 84,
  OPT_COUNT: 92,
} as const;
const P_IPV6 = 1 << 0, P_HOA = 1 << 1, P_RH2 = 1 << 2, P_MH = 1 << 3, P_CHECKSUM_OK = 1 << 4;
const F_SEQ = 1, F_FLAGS_AHL = 2, F_FLAG_K = 4, F_LIFETIME = 8, F_STATUS = 16, F_COOKIE = 32,
  F_NONCE_INDEX = 64, F_TOKEN = 128, F_HOME_ADDRESS = 256;
const FLAG_A = 1, FLAG_H = 2, FLAG_L = 4, FLAG_K = 8;
const OPT_ENTRY = 12;
const PAD1_LEN = 0xffffffff;

// ---- build request (assembly/mh/build.ts)
const REQ = {
  TYPE: 0, BITS: 4, SRC: 8, DST: 24, HOA: 40, RH2: 56, HOP_LIMIT: 72, SEQ: 76, FLAGS: 80,
  LIFETIME: 84, STATUS: 88, NONCE_INDEX: 92, COOKIE: 96, TOKEN: 104, HOME_ADDRESS: 112,
  OPT_COUNT: 128, OPTIONS: 136, OPT_SIZE: 12,
} as const;
const BIT_HOA = 1, BIT_RH2 = 2;
/** Largest packet the builder can produce: IPv6 + RH2 + Destination Options + a 2048-byte MH. */
const BUILD_CAP = 40 + 24 + 24 + 2048;

// ---- one growable scratch allocation per Core (host/core/scratch.ts)
function scratchFor(core: Core, size: number): number {
  const area = scratchArea(core, "mh", 1 << 16);
  area.reserve(size);
  return area.ptr;
}

function mhExports(core: Core): MhExports {
  return core.exports as unknown as MhExports;
}

// ---- addresses and hex
/** Parses IPv6 address text; an InputError when it is not one. */
function parseAddress(text: string): Uint8Array {
  const a = parseIPv6(text.trim());
  if (!a) throw new InputError(`not an IPv6 address: '${text}'`);
  return a;
}

export function toHex(b: Uint8Array, off = 0, len = b.length - off): string {
  return Buffer.from(b.buffer, b.byteOffset + off, len).toString("hex");
}

export function fromHex(text: string, what = "hex"): Uint8Array {
  const t = text.replace(/\s+/g, "");
  if (t.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(t)) throw new InputError(`${what} is not valid hex`);
  return new Uint8Array(Buffer.from(t, "hex"));
}

// ---- decode
/** Decodes one IPv6 packet into the JSON shape of tests/vectors/mh/valid.jsonl. */
export function decodePacket(core: Core, packet: Uint8Array): DecodeResult {
  const ex = mhExports(core);
  const ptr = scratchFor(core, packet.length);
  core.bytes().set(packet, ptr);
  const rc = ex.mh_decode(ptr, packet.length);
  const mem = core.bytes();
  const view = new DataView(mem.buffer);
  const rec = ex.mh_decode_record();
  const u32 = (field: number) => view.getUint32(rec + field, true);
  const present = u32(DEC.PRESENT);
  // All offsets are relative to the packet; read from the caller's copy.
  const addr = (field: number) => formatIPv6(packet, u32(field));
  if (rc !== 0) {
    const err: DecodeResult = { ok: false, error: mhErrorName(rc) };
    if (present & P_IPV6) { err.src = addr(DEC.SRC); err.dst = addr(DEC.DST); }
    return err;
  }
  const src = addr(DEC.SRC);
  const dst = addr(DEC.DST);
  const hoa = present & P_HOA ? addr(DEC.HOA) : null;
  const rh2 = present & P_RH2 ? addr(DEC.RH2) : null;
  if (!(present & P_MH)) return { ok: true, src, dst, hoa, rh2, mh: null };

  const fields = u32(DEC.FIELDS);
  const flagBits = u32(DEC.FLAGS);
  const has = (f: number) => (fields & f) !== 0;
  const options: MhOptionJson[] = [];
  const table = ex.mh_decode_options();
  const count = u32(DEC.OPT_COUNT);
  for (let i = 0; i < count; i++) {
    const e = table + i * OPT_ENTRY;
    const type = view.getUint32(e, true);
    const len = view.getUint32(e + 4, true);
    const off = view.getUint32(e + 8, true);
    if (len === PAD1_LEN) options.push({ type, len: null, data: null });
    else options.push({ type, len, data: toHex(packet, off, len) });
  }
  const mh: MhJson = {
    type: u32(DEC.MH_TYPE),
    seq: has(F_SEQ) ? u32(DEC.SEQ) : null,
    flags: has(F_FLAGS_AHL) || has(F_FLAG_K) ? {
      A: has(F_FLAGS_AHL) ? (flagBits & FLAG_A) !== 0 : null,
      H: has(F_FLAGS_AHL) ? (flagBits & FLAG_H) !== 0 : null,
      L: has(F_FLAGS_AHL) ? (flagBits & FLAG_L) !== 0 : null,
      K: (flagBits & FLAG_K) !== 0,
    } : null,
    lifetime: has(F_LIFETIME) ? u32(DEC.LIFETIME) : null,
    status: has(F_STATUS) ? u32(DEC.STATUS) : null,
    checksumOk: (present & P_CHECKSUM_OK) !== 0,
    cookie: has(F_COOKIE) ? toHex(packet, u32(DEC.COOKIE), 8) : null,
    nonceIndex: has(F_NONCE_INDEX) ? u32(DEC.NONCE_INDEX) : null,
    token: has(F_TOKEN) ? toHex(packet, u32(DEC.TOKEN), 8) : null,
    homeAddress: has(F_HOME_ADDRESS) ? addr(DEC.HOME_ADDRESS) : null,
    options,
  };
  return { ok: true, src, dst, hoa, rh2, mh };
}

// ---- build
function fixedHex(text: string | undefined, bytes: number, what: string): Uint8Array {
  if (text === undefined) return new Uint8Array(bytes);
  const b = fromHex(text, what);
  if (b.length !== bytes) throw new InputError(`${what} must be ${bytes} bytes, not ${b.length}`);
  return b;
}

function u16(v: number | undefined, what: string, max = 0xffff): number {
  const x = v ?? 0;
  if (!Number.isInteger(x) || x < 0 || x > max) throw new InputError(`${what} must be an integer in 0..${max}`);
  return x;
}

/** Builds a complete IPv6 packet (checksum filled) from a spec; see assembly/mh/build.ts. */
export function buildPacket(core: Core, spec: PacketSpec): Uint8Array {
  const ex = mhExports(core);
  const opts = spec.mh.options.map((o) => ({ type: o.type, data: fromHex(o.data, `option ${o.type} data`) }));
  const dataLen = opts.reduce((n, o) => n + o.data.length, 0);
  const reqLen = REQ.OPTIONS + REQ.OPT_SIZE * opts.length;
  const reqAt = 0, dataAt = (reqLen + 15) & ~15, outAt = (dataAt + dataLen + 15) & ~15;
  const base = scratchFor(core, outAt + BUILD_CAP);
  const mem = core.bytes();
  const view = new DataView(mem.buffer);
  const req = base + reqAt;
  mem.fill(0, req, req + reqLen);
  const put = (field: number, v: number) => view.setUint32(req + field, v, true);
  const m = spec.mh;
  put(REQ.TYPE, u16(m.type, "mh.type", 255));
  put(REQ.BITS, (spec.hoa ? BIT_HOA : 0) | (spec.rh2 ? BIT_RH2 : 0));
  mem.set(parseAddress(spec.src), req + REQ.SRC);
  mem.set(parseAddress(spec.dst), req + REQ.DST);
  if (spec.hoa) mem.set(parseAddress(spec.hoa), req + REQ.HOA);
  if (spec.rh2) mem.set(parseAddress(spec.rh2), req + REQ.RH2);
  put(REQ.HOP_LIMIT, u16(spec.hopLimit ?? 64, "hopLimit", 255));
  put(REQ.SEQ, u16(m.seq, "mh.seq"));
  const f = m.flags ?? {};
  put(REQ.FLAGS, (f.A ? FLAG_A : 0) | (f.H ? FLAG_H : 0) | (f.L ? FLAG_L : 0) | (f.K ? FLAG_K : 0));
  put(REQ.LIFETIME, u16(m.lifetime, "mh.lifetime"));
  put(REQ.STATUS, u16(m.status, "mh.status", 255));
  put(REQ.NONCE_INDEX, u16(m.nonceIndex, "mh.nonceIndex"));
  mem.set(fixedHex(m.cookie, 8, "mh.cookie"), req + REQ.COOKIE);
  mem.set(fixedHex(m.token, 8, "mh.token"), req + REQ.TOKEN);
  if (m.homeAddress) mem.set(parseAddress(m.homeAddress), req + REQ.HOME_ADDRESS);
  put(REQ.OPT_COUNT, opts.length);
  let d = base + dataAt;
  opts.forEach((o, i) => {
    const e = req + REQ.OPTIONS + i * REQ.OPT_SIZE;
    view.setUint32(e, u16(o.type, "option type", 255), true);
    view.setUint32(e + 4, d, true);
    view.setUint32(e + 8, o.data.length, true);
    mem.set(o.data, d);
    d += o.data.length;
  });
  const rc = ex.mh_build(req, base + outAt, BUILD_CAP);
  if (rc < 0) throw new InputError(`cannot build the packet: ${mhErrorName(rc)}`);
  return core.copyOut(base + outAt, rc);
}
