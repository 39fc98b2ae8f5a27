// The keep policy's evidence (PROTOCOL.md §1): which kept HoAs still carry
// traffic. An address is kept while any of these holds:
//   * it is pinned (`fama mn keep ADDR`);
//   * a socket is bound to it or connected from it (/proc/net/tcp6, /proc/net/udp6: the
//     local address column; a TCP socket in LISTEN counts only with `listening: true`, since
//     a server socket alone is no flow to keep, and a wildcard-bound socket names no address);
//   * the core saw data through its tunnel within idleTimeoutS (per-site activity), counting
//     from when the MN left the site, so a freshly kept address gets the whole grace period.
import { readFileSync } from "node:fs";
import { formatIPv6 } from "../ipv6.js";

const TCP_LISTEN = 0x0a;

/** Local addresses (RFC 5952 text) of the sockets in one /proc/net/{tcp,udp}6 file. */
export function socketAddresses(table: string, opts: { tcp: boolean; listening: boolean }): Set<string> {
  const out = new Set<string>();
  const lines = table.split("\n");
  for (let i = 1; i < lines.length; i++) {
    const f = lines[i]!.trim().split(/\s+/);
    if (f.length < 4) continue;
    const local = f[1]!.split(":")[0]!;
    const state = parseInt(f[3]!, 16);
    if (local.length !== 32) continue;
    if (opts.tcp && state === TCP_LISTEN && !opts.listening) continue;
    out.add(procAddress(local));
  }
  return out;
}

/** /proc/net shows an IPv6 address as four 32-bit words in host (little-endian) order. */
export function procAddress(hex: string): string {
  const b = new Uint8Array(16);
  for (let w = 0; w < 4; w++) {
    for (let k = 0; k < 4; k++) b[w * 4 + k] = parseInt(hex.substr(w * 8 + (3 - k) * 2, 2), 16);
  }
  return formatIPv6(b);
}

/** Addresses with open sockets in this process's network namespace. */
export function openSocketAddresses(listening: boolean, procNet = "/proc/net"): Set<string> {
  const out = new Set<string>();
  for (const [file, tcp] of [["tcp6", true], ["udp6", false]] as const) {
    let text = "";
    try { text = readFileSync(`${procNet}/${file}`, "utf8"); } catch { continue; }
    for (const a of socketAddresses(text, { tcp, listening })) out.add(a);
  }
  return out;
}

export interface KeepInput {
  hoa: string;
  /** last data through the tunnel (ms; 0 never) */
  lastActivity: number;
  /** when the MN left this site (ms) */
  leftAt: number;
}

/** Whether a kept, non-current HoA is still needed. */
export function stillNeeded(s: KeepInput, now: number, idleTimeoutS: number, pins: Set<string>, sockets: Set<string> | null): { keep: boolean; why: string } {
  if (pins.has(s.hoa)) return { keep: true, why: "pinned" };
  if (sockets?.has(s.hoa)) return { keep: true, why: "open socket" };
  const since = Math.max(s.lastActivity, s.leftAt);
  if (now - since < idleTimeoutS * 1000) return { keep: true, why: s.lastActivity >= s.leftAt ? "recent flow" : "grace period" };
  return { keep: false, why: `idle for ${Math.round((now - since) / 1000)} s, no socket, not pinned` };
}
