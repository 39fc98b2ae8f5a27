// Shared helpers for the data-plane tests (forward, snapshot, batch): a DAR core
// configured from a vector config, with bindings created through a snapshot (the only
// unauthenticated way in), and packet builders.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { loadCore } from "../../host/wasm.js";
import { Dar, snapshotBlob, writeBindingRecord, sealSnapshot, recordOffset } from "../../host/core/dar.js";
import { parseDarConfig } from "../../host/config/dar.js";
import { parseIPv6 } from "../../host/ipv6.js";
import { VECTORS_DIR } from "../../host/paths.js";

export const ANCHOR = "2001:db8:100:ff::1";
export const HOA = "2001:db8:100:1:2453:7a9b:e2f7:1561";
export const COA = "2001:db8:200:1:30e6:b2c1:8025:2d5f";
export const CN = "2001:db8:999::53";

export function addr(text: string): Uint8Array {
  const a = parseIPv6(text);
  if (!a) throw new Error(`bad address ${text}`);
  return a;
}

export function vectorConfig(name: string, capacity = 1024) {
  const json = JSON.parse(readFileSync(join(VECTORS_DIR, "dar", `${name}.config.json`), "utf8"));
  return { ...parseDarConfig(json), capacity };
}

export interface TestBinding { hoa: string; coa: string; expiresAt?: number; seq?: number; phkt?: Uint8Array }

/** A configured DAR holding the given bindings (restored from a snapshot built here). */
export function darWith(bindings: TestBinding[], opts: { config?: string; capacity?: number; tunnelMtu?: number } = {}): Dar {
  const dar = new Dar(loadCore());
  const cfg = vectorConfig(opts.config ?? "data-after-accept", opts.capacity ?? 1024);
  if (opts.tunnelMtu) cfg.tunnelMtu = opts.tunnelMtu;
  dar.configure(cfg);
  if (bindings.length) dar.restore(snapshotOf(bindings));
  return dar;
}

export function snapshotOf(bindings: TestBinding[]): Uint8Array {
  const blob = snapshotBlob(bindings.length);
  bindings.forEach((b, i) => writeBindingRecord(blob, recordOffset(i), {
    hoa: addr(b.hoa), coa: addr(b.coa), phkt: b.phkt, expiresAt: b.expiresAt ?? 1e15,
    lifetime: 1000, seq: b.seq ?? 1,
  }));
  return sealSnapshot(blob, bindings.length);
}

/** An IPv6 packet: `payloadLen` bytes of payload after the 40-byte header. */
export function ipv6(src: string, dst: string, opts: { nh?: number; hop?: number; tc?: number; flow?: number; payload?: Uint8Array; payloadLen?: number } = {}): Uint8Array {
  const payload = opts.payload ?? new Uint8Array(opts.payloadLen ?? 24).map((_, i) => (i * 7 + 3) & 0xff);
  const p = new Uint8Array(40 + payload.length);
  const tc = opts.tc ?? 0, flow = opts.flow ?? 0;
  p[0] = 0x60 | (tc >> 4);
  p[1] = ((tc & 0xf) << 4) | ((flow >> 16) & 0xf);
  p[2] = (flow >> 8) & 0xff;
  p[3] = flow & 0xff;
  p[4] = payload.length >> 8;
  p[5] = payload.length & 0xff;
  p[6] = opts.nh ?? 17;
  p[7] = opts.hop ?? 64;
  p.set(addr(src), 8);
  p.set(addr(dst), 24);
  p.set(payload, 40);
  return p;
}

/** RFC 1071 checksum over pseudo-header + ICMPv6 message (0 when valid). */
export function icmpChecksum(pkt: Uint8Array): number {
  const len = pkt.length - 40;
  let sum = 0;
  const add16 = (b: Uint8Array, o: number, n: number) => {
    for (let i = 0; i < n; i += 2) sum += (b[o + i] << 8) | (i + 1 < n ? b[o + i + 1] : 0);
  };
  add16(pkt, 8, 32);
  sum += (len >>> 16) + (len & 0xffff) + 58;
  add16(pkt, 40, len);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

/** Runs single packets through slot 0 and returns the output bytes (copied) or null. */
export function runOne(dar: Dar, pkt: Uint8Array, now = 1000): Uint8Array | null {
  dar.setPacket(0, pkt);
  dar.process(1, now);
  return dar.verdict(0) === 1 ? dar.output(0).slice() : null;
}
