// fast-check arbitraries for Mobile IPv6 packets, as `PacketSpec`s for the core's builder
// (host/core/mh.ts `buildPacket`). Used by the interop, fuzz and (later) DAR model tests.
//
// What they generate is well formed by PROTOCOL.md §2: every option has the length of the
// table, BAD (when present) is last, a value longer than 255 bytes of CGA Parameters,
// Signature or PHKT is given whole (the builder fragments it), no two options of the same
// fragmentable type occur in one message, the Home
// Address option goes with a BU and the type 2 routing header with a BA or a BRR.
// Padding is the builder's job, so no Pad1/PadN is generated.
import fc from "fast-check";
import { formatIPv6 as formatIpv6, parseIPv6 } from "../../host/ipv6.js";

export { formatIpv6 };

/** The bytes of an IPv6 address the generators produced (always valid). */
function parseIpv6(text: string): Uint8Array {
  return parseIPv6(text)!;
}

/** Structurally the same as `PacketSpec` of host/core/mh.ts. */
export interface SpecOption { type: number; data: string }
export interface SpecMh {
  type: number; seq?: number; flags?: { A?: boolean; H?: boolean; L?: boolean; K?: boolean };
  lifetime?: number; status?: number; cookie?: string; nonceIndex?: number; token?: string;
  homeAddress?: string; options: SpecOption[];
}
export interface Spec { src: string; dst: string; hoa?: string | null; rh2?: string | null; hopLimit?: number; mh: SpecMh }

/** Mobility option types (PROTOCOL.md §2). */
export const OPT = {
  PAD1: 0, PADN: 1, BRA: 2, ALT_COA: 3, NONCE_INDICES: 4, BAD: 5,
  CGA_PARAMS_REQ: 11, CGA_PARAMS: 12, SIGNATURE: 13, PHKT: 14, COTI: 15, COT: 16,
} as const;
/** Types whose values are sent as 255-byte fragments when longer than 255 bytes. */
export const FRAGMENTED = new Set<number>([OPT.CGA_PARAMS, OPT.SIGNATURE, OPT.PHKT]);
/** Mobility Header types (RFC 6275 §6.1). */
export const MH = { BRR: 0, HOTI: 1, COTI: 2, HOT: 3, COT: 4, BU: 5, BA: 6, BE: 7 } as const;

// ---------------------------------------------------------------------------------------------
// Hex and addresses

export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("hex");
}

export function fromHex(hex: string): Uint8Array {
  return new Uint8Array(Buffer.from(hex, "hex"));
}


/** Canonical (RFC 5952) form of any IPv6 text, for comparing what different tools print. */
export function canonicalIpv6(text: string | null | undefined): string | null {
  return text == null ? null : formatIpv6(parseIpv6(text));
}

export const hexBytes = (min: number, max = min): fc.Arbitrary<string> =>
  fc.uint8Array({ minLength: min, maxLength: max }).map(toHex);

/** Addresses with and without zero runs (so `::` compression shows in every tool's output). */
export const ipv6Address: fc.Arbitrary<string> = fc
  .tuple(
    fc.uint8Array({ minLength: 16, maxLength: 16 }),
    fc.option(fc.tuple(fc.integer({ min: 0, max: 7 }), fc.integer({ min: 1, max: 8 })), { freq: 2 }),
  )
  .map(([b, run]) => {
    const a = Uint8Array.from(b);
    if (run) for (let i = run[0]; i < Math.min(8, run[0] + run[1]); i++) { a[2 * i] = 0; a[2 * i + 1] = 0; }
    return formatIpv6(a);
  });

// ---------------------------------------------------------------------------------------------
// Options

const opt = (type: number, data: fc.Arbitrary<string>) => data.map((d): SpecOption => ({ type, data: d }));
/** Lengths of a fragmentable value: one option, exactly 255, several fragments, RSA sizes. */
const valueLength = fc.oneof(
  fc.integer({ min: 1, max: 255 }),
  fc.constantFrom(128, 255, 256, 319, 384, 510, 511, 512),
  fc.integer({ min: 256, max: 800 }),
);
const value = valueLength.chain((n) => hexBytes(n));

export const options = {
  bra: opt(OPT.BRA, hexBytes(2)),
  altCoa: ipv6Address.map((a): SpecOption => ({ type: OPT.ALT_COA, data: toHex(parseIpv6(a)) })),
  nonceIndices: opt(OPT.NONCE_INDICES, hexBytes(4)),
  bad: opt(OPT.BAD, hexBytes(12)),
  cgaParamsReq: fc.constant<SpecOption>({ type: OPT.CGA_PARAMS_REQ, data: "" }),
  cgaParams: opt(OPT.CGA_PARAMS, value),
  signature: opt(OPT.SIGNATURE, value),
  phkt: opt(OPT.PHKT, value),
  coti: fc.constant<SpecOption>({ type: OPT.COTI, data: "" }),
  cot: opt(OPT.COT, hexBytes(8)),
  /** Types neither fama nor Wireshark 4.0 knows (skipped by the parser). */
  unknown: fc.record({ type: fc.integer({ min: 200, max: 254 }), data: hexBytes(0, 40) }),
};

/** Keeps one value per fragmentable type (a second one is malformed: assembly/mh/errors.ts
 * ERR_OPTION_FRAGMENT; two adjacent ones would read as one value). */
function oneValuePerType(list: SpecOption[]): SpecOption[] {
  const seen = new Set<number>();
  return list.filter((o) => {
    if (!FRAGMENTED.has(o.type)) return true;
    if (seen.has(o.type)) return false;
    seen.add(o.type);
    return true;
  });
}

const maybe = <T>(a: fc.Arbitrary<T>, freq = 2) => fc.option(a, { freq, nil: undefined });
const present = <T>(...xs: (T | undefined)[]) => xs.filter((x): x is T => x !== undefined);

/** BU options: the three PROTOCOL.md modes, and free mixes of the BU's option types. */
export const buOptions: fc.Arbitrary<SpecOption[]> = fc.oneof(
  // cga mode: [AltCoA] CGA Parameters+ Signature [CoTI] [CGA Parameters Request] [NI BAD]
  fc.tuple(maybe(options.altCoa), options.cgaParams, options.signature, maybe(options.coti), maybe(options.cgaParamsReq),
    maybe(options.unknown, 5), maybe(fc.tuple(options.nonceIndices, options.bad)))
    .map(([alt, p, s, coti, req, unk, auth]) => present(alt, p, s, coti, req, unk, ...(auth ?? []))),
  // phkt mode: [AltCoA] NI BAD
  fc.tuple(maybe(options.altCoa), maybe(options.unknown, 5), options.nonceIndices, options.bad)
    .map(([alt, unk, ni, bad]) => present(alt, unk, ni, bad)),
  // anything the BU may carry, in any order, BAD last if at all
  fc.tuple(
    fc.array(fc.oneof(options.altCoa, options.nonceIndices, options.cgaParamsReq, options.cgaParams, options.signature,
      options.coti, options.unknown, options.bra), { maxLength: 5 }),
    maybe(options.bad),
  ).map(([list, bad]) => oneValuePerType(present(...list, bad))),
);

/** BA options: [BRA] [PHKT] [CoT] [unknown] [BAD], or a free mix. */
export const baOptions: fc.Arbitrary<SpecOption[]> = fc.oneof(
  fc.tuple(maybe(options.bra), maybe(options.phkt), maybe(options.cot), maybe(options.unknown, 5), maybe(options.bad))
    .map((xs) => present(...xs)),
  fc.tuple(fc.array(fc.oneof(options.bra, options.phkt, options.cot, options.unknown), { maxLength: 4 }), maybe(options.bad))
    .map(([list, bad]) => oneValuePerType(present(...list, bad))),
);

/** Options of the other types: mostly none, sometimes options fama must skip. */
const otherOptions: fc.Arbitrary<SpecOption[]> = fc.oneof(
  { weight: 3, arbitrary: fc.constant<SpecOption[]>([]) },
  { weight: 1, arbitrary: fc.array(options.unknown, { minLength: 1, maxLength: 3 }) },
);

// ---------------------------------------------------------------------------------------------
// Messages

const u16 = fc.integer({ min: 0, max: 0xffff });
const u8 = fc.integer({ min: 0, max: 0xff });
const hopLimit = maybe(fc.integer({ min: 1, max: 255 }));
const flagBits = fc.record({ A: fc.boolean(), H: fc.boolean(), L: fc.boolean(), K: fc.boolean() });

const base = (extra: { hoa?: fc.Arbitrary<string | null>; rh2?: fc.Arbitrary<string | null> }) =>
  fc.record({
    src: ipv6Address,
    dst: ipv6Address,
    hoa: extra.hoa ?? fc.constant(null),
    rh2: extra.rh2 ?? fc.constant(null),
    hopLimit,
  });
const often = fc.option(ipv6Address, { freq: 10, nil: null }); // absent 1 time in 10
const half = fc.option(ipv6Address, { freq: 2, nil: null });

export const bu: fc.Arbitrary<Spec> = fc
  .tuple(base({ hoa: often }), u16, flagBits, u16, buOptions)
  .map(([b, seq, flags, lifetime, opts]) => ({ ...b, mh: { type: MH.BU, seq, flags, lifetime, options: opts } }));

export const ba: fc.Arbitrary<Spec> = fc
  .tuple(base({ rh2: often }), u8, fc.boolean(), u16, u16, baOptions)
  .map(([b, status, K, seq, lifetime, opts]) => ({ ...b, mh: { type: MH.BA, status, flags: { K }, seq, lifetime, options: opts } }));

export const brr: fc.Arbitrary<Spec> = fc
  .tuple(base({ rh2: half }), otherOptions)
  .map(([b, opts]) => ({ ...b, mh: { type: MH.BRR, options: opts } }));

const testInit = (type: number) => fc
  .tuple(base({}), hexBytes(8), otherOptions)
  .map(([b, cookie, opts]): Spec => ({ ...b, mh: { type, cookie, options: opts } }));
export const hoti = testInit(MH.HOTI);
export const coti = testInit(MH.COTI);

const test_ = (type: number) => fc
  .tuple(base({}), u16, hexBytes(8), hexBytes(8), otherOptions)
  .map(([b, nonceIndex, cookie, token, opts]): Spec => ({ ...b, mh: { type, nonceIndex, cookie, token, options: opts } }));
export const hot = test_(MH.HOT);
export const cot = test_(MH.COT);

export const be: fc.Arbitrary<Spec> = fc
  .tuple(base({}), fc.oneof(fc.constantFrom(1, 2), u8), ipv6Address, otherOptions)
  .map(([b, status, homeAddress, opts]) => ({ ...b, mh: { type: MH.BE, status, homeAddress, options: opts } }));

/** Any of the eight message types, equally often. */
export const anyMessage: fc.Arbitrary<Spec> = fc.oneof(brr, hoti, coti, hot, cot, bu, ba, be);

// ---------------------------------------------------------------------------------------------
// What the wire must then carry

/** The options as they are on the wire, padding aside: long values split into 255-byte fragments. */
export function expectedOptions(spec: Spec): { type: number; len: number; data: string }[] {
  const out: { type: number; len: number; data: string }[] = [];
  for (const o of spec.mh.options) {
    const n = o.data.length / 2;
    if (FRAGMENTED.has(o.type) && n > 255) {
      for (let i = 0; i < n; i += 255) {
        const data = o.data.slice(2 * i, 2 * Math.min(n, i + 255));
        out.push({ type: o.type, len: data.length / 2, data });
      }
    } else out.push({ type: o.type, len: n, data: o.data });
  }
  return out;
}
