// The sightings file (SIGHTINGS_FILE in the state directory): the core's live sightings
// (Dar.saveSightings: 24-byte records, address and lastSeen) behind an 8-byte magic, written
// with write-then-rename. Kept apart from the bindings' snapshot: a DAR that lost its
// bindings still knows who was on its link. Written by the feed (host/dar/sightings.ts).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Dar } from "../core/dar.js";
import type { Logger } from "../log.js";
import { writeFileAtomic } from "../state-file.js";

export const SIGHTINGS_FILE = "sightings.bin";
const FILE_MAGIC = Buffer.from("FAMASIG1");

/** Reads the sightings file into the core; how many were restored (0: none or unreadable, logged). */
export function loadSightingsFile(dar: Dar, stateDir: string, log?: Logger): number {
  let data: Buffer;
  try { data = readFileSync(join(stateDir, SIGHTINGS_FILE)); } catch { return 0; }
  if (data.length < FILE_MAGIC.length || !data.subarray(0, FILE_MAGIC.length).equals(FILE_MAGIC)) {
    log?.warn("sightings.file_ignored", { reason: "bad magic" });
    return 0;
  }
  try {
    return dar.restoreSightings(new Uint8Array(data.subarray(FILE_MAGIC.length)));
  } catch (e) {
    log?.warn("sightings.file_ignored", { reason: (e as Error).message });
    return 0;
  }
}

export function saveSightingsFile(dar: Dar, stateDir: string, now: number): number {
  const records = dar.saveSightings(now);
  writeFileAtomic(join(stateDir, SIGHTINGS_FILE), Buffer.concat([FILE_MAGIC, records]));
  return records.length;
}
