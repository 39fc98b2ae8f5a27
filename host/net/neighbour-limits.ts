// The kernel's IPv6 neighbour table limits, net.ipv6.neigh.default.gc_thresh1/2/3: below
// gc_thresh1 entries are never collected, above gc_thresh2 for 5 s they are collected by force,
// and gc_thresh3 is the cap: beyond it the kernel refuses new entries ("neighbor table
// overflow!"). The table is one for the whole host, and the files exist only in the root network
// namespace (in any other, reading them fails: null). An address the kernel gives no entry is
// never sighted (host/dar/sightings.ts): the DAR warns at start when gc_thresh3 is below its
// sightings capacity, and the load bench raises the limits for its storm and restores them.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export interface NeighbourLimits { gcThresh1: number; gcThresh2: number; gcThresh3: number }

const FILES: Record<keyof NeighbourLimits, string> = { gcThresh1: "gc_thresh1", gcThresh2: "gc_thresh2", gcThresh3: "gc_thresh3" };
const KEYS = Object.keys(FILES) as (keyof NeighbourLimits)[];
const dir = (procRoot: string) => join(procRoot, "sys/net/ipv6/neigh/default");

/** The limits under `procRoot` (default /proc), or null when a file is missing or not a number. */
export function readNeighbourLimits(procRoot = "/proc"): NeighbourLimits | null {
  const out: Partial<NeighbourLimits> = {};
  for (const k of KEYS) {
    let text: string;
    try { text = readFileSync(join(dir(procRoot), FILES[k]), "utf8"); } catch { return null; }
    const v = Number(text.trim());
    if (!Number.isSafeInteger(v) || v < 0) return null;
    out[k] = v;
  }
  return out as NeighbourLimits;
}

/** Writes all three limits (root, root namespace). */
export function writeNeighbourLimits(l: NeighbourLimits, procRoot = "/proc"): void {
  for (const k of KEYS) writeFileSync(join(dir(procRoot), FILES[k]), `${l[k]}\n`);
}

/**
 * Raises each limit to at least the one in `min` (never lowers one). Returns the limits as they
 * were, for writeNeighbourLimits to restore; throws when they cannot be read (not the root
 * namespace) or written.
 */
export function raiseNeighbourLimits(min: NeighbourLimits, procRoot = "/proc"): NeighbourLimits {
  const was = readNeighbourLimits(procRoot);
  if (!was) throw new Error(`cannot read the neighbour table limits under ${dir(procRoot)} (only the root network namespace has them)`);
  writeNeighbourLimits({ gcThresh1: Math.max(was.gcThresh1, min.gcThresh1), gcThresh2: Math.max(was.gcThresh2, min.gcThresh2), gcThresh3: Math.max(was.gcThresh3, min.gcThresh3) }, procRoot);
  return was;
}
