// Binding state made offline for the memory figures: the core (host/core/dar.ts) is configured in
// this process with the lab's anchor and prefix, given `n` bindings through the journal-replay
// path (BindingRecords.put: HoAs in the DAR's prefix, CoAs in the care-of range, a random PHKT,
// an hour to live), and its snapshot is written where `fama dar` restores it from at start
// (host/dar/store.ts). Getting 1M bindings through cga BUs would take over two hours of RSA here.
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { mkdirSync } from "node:fs";
import { loadCore } from "../../host/wasm.js";
import { Dar } from "../../host/core/dar.js";
import { BindingRecords, writeBindingRecord, BINDING_RECORD_LEN } from "../../host/core/records.js";
import { DAR_DEFAULTS } from "../../host/config/dar.js";
import { parseIPv6, parsePrefix, type Prefix } from "../../host/ipv6.js";
import { writeStateFile } from "../../host/state-file.js";
import { SNAPSHOT_FILE } from "../../host/dar/store.js";
import { LOAD_PLAN } from "./net.js";
import { coaOf, COA_CLASS } from "./population.js";

/** Writes a snapshot of `n` bindings into `stateDir` for a DAR of `capacity`. */
export function writeSnapshot(stateDir: string, n: number, capacity: number): void {
  const dar = new Dar(loadCore());
  dar.configure({ ...DAR_DEFAULTS, anchor: parseIPv6(LOAD_PLAN.anchor)!, anchorText: LOAD_PLAN.anchor, prefixes: [parsePrefix(LOAD_PLAN.prefix) as Prefix], capacity, maxLifetime: 3600 });
  const records = new BindingRecords(dar.core);
  const rec = new Uint8Array(BINDING_RECORD_LEN);
  const hoa = parseIPv6(LOAD_PLAN.prefix.split("/")[0]!)!;
  const expiresAt = Date.now() + 3600_000;
  for (let i = 0; i < n; i++) {
    new DataView(hoa.buffer).setUint32(12, i + 1);
    hoa[8] = 0x02; // not a CGA: the restore path checks records, not addresses
    writeBindingRecord(rec, 0, { hoa, coa: parseIPv6(coaOf(i, COA_CLASS.honest))!, phkt: new Uint8Array(randomBytes(8)), expiresAt, lifetime: 3600, seq: 1 });
    records.put(rec);
  }
  mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  writeStateFile(join(stateDir, SNAPSHOT_FILE), dar.snapshot());
}
