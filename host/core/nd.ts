// Typed wrapper over router discovery in the core (assembly/nd/: the RA parser, the RS builder;
// assembly/mn/attachment.ts: the MN's attachment decision). The only host file that knows the RA
// record, the router record and the decision record; layouts are documented in those files.
import type { Core } from "../wasm.js";
import { formatIPv6 } from "../ipv6.js";

interface NdExports {
  nd_scratch(): number;
  nd_scratch_size(): number;
  nd_ra_parse(icmp: number, len: number, src: number, hopLimit: number): number;
  nd_ra_parse_packet(pkt: number, len: number): number;
  nd_ra_record(): number;
  nd_ra_pio_size(): number;
  nd_rs_build(out: number, cap: number, mac: number): number;
  mn_ra_input(icmp: number, len: number, src: number, hopLimit: number, nowMs: number): number;
  mn_link_changed(): void;
  mn_attachment_tick(nowMs: number): number;
  mn_attachment_record(): number;
  mn_routers_max(): number;
  mn_router_size(): number;
  mn_router(i: number): number;
  mn_router_current(): number;
}

function nd(core: Core): NdExports {
  return core.exports as unknown as NdExports;
}

// ---- error codes (assembly/nd/errors.ts) -> classes
const ERROR_CLASSES: Record<number, string> = {
  [-61]: "truncated", [-62]: "type", [-63]: "code", [-64]: "hop-limit", [-65]: "source",
  [-66]: "option-truncated", [-67]: "option-zero-length", [-68]: "option-overrun",
  [-69]: "pio-length", [-70]: "prefix-length", [-71]: "option-length",
  [-72]: "truncated", [-73]: "not-ipv6", [-74]: "truncated", [-75]: "next-header",
  [-76]: "checksum", [-77]: "build-capacity",
};

/** The error class of a router discovery status code. */
export function ndErrorName(code: number): string {
  return ERROR_CLASSES[code] ?? `error-${code}`;
}

// ---- RA record (assembly/nd/router-advert.ts)
const R = {
  HOP_LIMIT: 0, FLAGS: 4, ROUTER_LIFETIME: 8, REACHABLE: 12, RETRANS: 16, MTU: 20, PRESENT: 24,
  ADV_INTERVAL: 28, HA_PREFERENCE: 32, HA_LIFETIME: 36, PIO_COUNT: 40, PIO_OVERFLOW: 44,
  SKIPPED: 48, SLLA: 56, SOURCE: 64, ANCHOR: 80, PIOS: 96,
} as const;
const RP_SLLA = 1, RP_MTU = 2, RP_ADV_INTERVAL = 4, RP_HA_INFO = 8, RP_ANCHOR = 16;
const RA_M = 0x80, RA_O = 0x40, RA_H = 0x20, RA_P = 0x04;
const PIO_L = 0x80, PIO_A = 0x40, PIO_R = 0x20;

export interface PrefixInfo {
  prefix: string; prefixLength: number; L: boolean; A: boolean; R: boolean;
  validLifetime: number; preferredLifetime: number;
}
export interface RouterAdvert {
  source: string; curHopLimit: number;
  flags: { M: boolean; O: boolean; H: boolean; P: boolean; prf: number };
  routerLifetime: number; reachableTime: number; retransTimer: number;
  mtu: number | null; advInterval: number | null; homeAgent: { preference: number; lifetime: number } | null;
  slla: string | null; anchor: string | null; prefixes: PrefixInfo[];
  prefixesNotRecorded: number; optionsSkipped: number;
}
export type RaResult = { ok: true; ra: RouterAdvert } | { ok: false; code: number; error: string };

function readRecord(core: Core): RouterAdvert {
  const ex = nd(core);
  const mem = core.bytes();
  const view = new DataView(mem.buffer);
  const rec = ex.nd_ra_record();
  const u32 = (f: number) => view.getUint32(rec + f, true);
  const present = u32(R.PRESENT);
  const flags = u32(R.FLAGS);
  const prefixes: PrefixInfo[] = [];
  const stride = ex.nd_ra_pio_size();
  for (let i = 0; i < u32(R.PIO_COUNT); i++) {
    const e = rec + R.PIOS + i * stride;
    const pf = view.getUint32(e + 4, true);
    prefixes.push({
      prefix: formatIPv6(mem, e + 16), prefixLength: view.getUint32(e, true),
      L: (pf & PIO_L) !== 0, A: (pf & PIO_A) !== 0, R: (pf & PIO_R) !== 0,
      validLifetime: view.getUint32(e + 8, true), preferredLifetime: view.getUint32(e + 12, true),
    });
  }
  const slla = present & RP_SLLA ? [...mem.subarray(rec + R.SLLA, rec + R.SLLA + 6)].map((b) => b.toString(16).padStart(2, "0")).join(":") : null;
  return {
    source: formatIPv6(mem, rec + R.SOURCE), curHopLimit: u32(R.HOP_LIMIT),
    flags: { M: (flags & RA_M) !== 0, O: (flags & RA_O) !== 0, H: (flags & RA_H) !== 0, P: (flags & RA_P) !== 0, prf: (flags >> 3) & 3 },
    routerLifetime: u32(R.ROUTER_LIFETIME), reachableTime: u32(R.REACHABLE), retransTimer: u32(R.RETRANS),
    mtu: present & RP_MTU ? u32(R.MTU) : null,
    advInterval: present & RP_ADV_INTERVAL ? u32(R.ADV_INTERVAL) : null,
    homeAgent: present & RP_HA_INFO ? { preference: view.getInt32(rec + R.HA_PREFERENCE, true), lifetime: u32(R.HA_LIFETIME) } : null,
    slla, anchor: present & RP_ANCHOR ? formatIPv6(mem, rec + R.ANCHOR) : null, prefixes,
    prefixesNotRecorded: u32(R.PIO_OVERFLOW), optionsSkipped: u32(R.SKIPPED),
  };
}

/** Puts `data` (then `extra`, 16 bytes) into the core's scratch; the addresses of both. */
function stage(core: Core, data: Uint8Array, extra?: Uint8Array): { ptr: number; extraPtr: number } | null {
  const ex = nd(core);
  const room = ex.nd_scratch_size() - 16;
  if (data.length > room) return null;
  const ptr = ex.nd_scratch();
  const mem = core.bytes();
  mem.set(data, ptr);
  const extraPtr = ptr + room;
  if (extra) mem.set(extra, extraPtr);
  return { ptr, extraPtr };
}

/** An RA too large for the scratch buffer: longer than any link's MTU the core expects. */
const TOO_LARGE = { ok: false, code: -68, error: "option-overrun" } as const;

/** Parses an RA message (the ICMPv6 bytes a raw socket returns) from `source` (16 bytes). */
export function parseRa(core: Core, icmp: Uint8Array, source: Uint8Array, hopLimit: number): RaResult {
  const at = stage(core, icmp, source);
  if (!at) return TOO_LARGE;
  const rc = nd(core).nd_ra_parse(at.ptr, icmp.length, at.extraPtr, hopLimit);
  return rc === 0 ? { ok: true, ra: readRecord(core) } : { ok: false, code: rc, error: ndErrorName(rc) };
}

/** Parses the RA in a whole IPv6 packet (a capture): IPv6 header and ICMPv6 checksum too. */
export function parseRaPacket(core: Core, packet: Uint8Array): RaResult {
  const at = stage(core, packet);
  if (!at) return TOO_LARGE;
  const rc = nd(core).nd_ra_parse_packet(at.ptr, packet.length);
  return rc === 0 ? { ok: true, ra: readRecord(core) } : { ok: false, code: rc, error: ndErrorName(rc) };
}

/** A Router Solicitation message (checksum 0: the kernel fills it in), with the SLLA option when `mac` is given. */
export function buildRs(core: Core, mac: Uint8Array | null): Uint8Array {
  const ex = nd(core);
  const out = ex.nd_scratch();
  let macPtr = 0;
  if (mac) {
    macPtr = out + 64;
    core.bytes().set(mac, macPtr);
  }
  const n = ex.nd_rs_build(out, 64, macPtr);
  if (n < 0) throw new Error(`nd_rs_build: ${ndErrorName(n)}`);
  return core.copyOut(out, n);
}

// ---- attachment (assembly/mn/attachment.ts)
export const ATTACHMENT_DECISIONS = ["unchanged", "new-dar", "known-dar", "plain", "ignored", "lost"] as const;
export type AttachmentDecisionName = (typeof ATTACHMENT_DECISIONS)[number];
const RT_DAR = 1, RT_H = 2, AF_VISITED = 4;

export interface AttachmentDecision {
  decision: AttachmentDecisionName; routerIndex: number; dar: boolean; hFlag: boolean; visitedBefore: boolean;
  router: string; prefix: string; anchor: string | null; routerLifetime: number;
  validLifetime: number; preferredLifetime: number; attachments: number;
  /** The raw 16-byte prefix and anchor, for mn_attach. */
  prefixBytes: Uint8Array; anchorBytes: Uint8Array | null;
}
export interface LearnedRouter {
  index: number; current: boolean; dar: boolean; hFlag: boolean; attachments: number;
  router: string; prefix: string; anchor: string | null; routerLifetime: number;
  validLifetime: number; preferredLifetime: number;
  validUntilMs: number; preferredUntilMs: number; routerUntilMs: number; lastRaMs: number;
}
export type RaInputResult = { ok: true; decision: AttachmentDecision; ra: RouterAdvert } | { ok: false; code: number; error: string };

function readDecision(core: Core): AttachmentDecision {
  const rec = nd(core).mn_attachment_record();
  const mem = core.bytes();
  const view = new DataView(mem.buffer);
  const u32 = (f: number) => view.getUint32(rec + f, true);
  const flags = u32(8);
  const dar = (flags & RT_DAR) !== 0;
  return {
    decision: ATTACHMENT_DECISIONS[u32(0)] ?? "ignored", routerIndex: view.getInt32(rec + 4, true),
    dar, hFlag: (flags & RT_H) !== 0, visitedBefore: (flags & AF_VISITED) !== 0,
    routerLifetime: u32(12), router: formatIPv6(mem, rec + 16), prefix: formatIPv6(mem, rec + 32),
    anchor: dar ? formatIPv6(mem, rec + 48) : null,
    validLifetime: u32(64), preferredLifetime: u32(68), attachments: u32(72),
    prefixBytes: mem.slice(rec + 32, rec + 48), anchorBytes: dar ? mem.slice(rec + 48, rec + 64) : null,
  };
}

/** The MN's side: RAs in, attachment decisions out. */
export class Attachment {
  constructor(private readonly core: Core) {}

  /** An RA received on the access interface (ICMPv6 message, its source, its hop limit). */
  input(icmp: Uint8Array, source: Uint8Array, hopLimit: number, nowMs: number): RaInputResult {
    const at = stage(this.core, icmp, source);
    if (!at) return TOO_LARGE;
    const rc = nd(this.core).mn_ra_input(at.ptr, icmp.length, at.extraPtr, hopLimit, nowMs);
    if (rc < 0) return { ok: false, code: rc, error: ndErrorName(rc) };
    return { ok: true, decision: readDecision(this.core), ra: readRecord(this.core) };
  }

  /** The access link changed: the next RA is an attachment, even from the same router. */
  linkChanged(): void { nd(this.core).mn_link_changed(); }

  /** The decision "lost" when the current prefix or router lifetime ran out, else null. */
  tick(nowMs: number): AttachmentDecision | null {
    return nd(this.core).mn_attachment_tick(nowMs) === 0 ? null : readDecision(this.core);
  }

  /** Every router learned from RAs (for `fama status`). */
  routers(): LearnedRouter[] {
    const ex = nd(this.core);
    const current = ex.mn_router_current();
    const out: LearnedRouter[] = [];
    for (let i = 0; i < ex.mn_routers_max(); i++) {
      const r = ex.mn_router(i);
      if (r === 0) continue;
      const mem = this.core.bytes();
      const view = new DataView(mem.buffer);
      const flags = view.getUint32(r + 4, true);
      const dar = (flags & RT_DAR) !== 0;
      out.push({
        index: i, current: i === current, dar, hFlag: (flags & RT_H) !== 0,
        attachments: view.getUint32(r + 8, true), routerLifetime: view.getUint32(r + 12, true),
        router: formatIPv6(mem, r + 16), prefix: formatIPv6(mem, r + 32), anchor: dar ? formatIPv6(mem, r + 48) : null,
        validUntilMs: view.getFloat64(r + 64, true), preferredUntilMs: view.getFloat64(r + 72, true),
        routerUntilMs: view.getFloat64(r + 80, true), lastRaMs: view.getFloat64(r + 88, true),
        validLifetime: view.getUint32(r + 96, true), preferredLifetime: view.getUint32(r + 100, true),
      });
    }
    return out;
  }
}
