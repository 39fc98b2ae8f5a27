// The DAR's durable state: the snapshot (host/state-file.ts, write-then-rename) plus the journal
// of binding changes since (journal.ts). Files in `stateDir` (created 0700; files 0600):
//   dar-state.json   the core's snapshot (bindings with PHKTs, Kdar and the nonce ring)
//   dar.journal      binding changes since that snapshot
//
// Crash-safety argument (docs/OPERATIONS.md has the operator's version):
//   1. The core changes a binding only inside process_batch, and its BA is an output of that same
//      batch. The daemon's batch hook (`recordBatch`) runs after process_batch and BEFORE the
//      data plane writes any output: it appends the full record of every binding the batch
//      touched (accepted BAs by HoA, plus added/moved/removed events) with one write + fsync.
//      If that fails, the batch's accepted BAs are turned into drops (the MN retransmits).
//   2. An accepted BU that produced no BA (A flag clear) could be a refresh, which has no event:
//      the hook then writes a whole snapshot before the outputs leave.
//   3. A restart restores the snapshot and replays the journal in order. Entries are complete
//      records, so replaying ones the snapshot already holds is harmless (only traffic counters
//      of those bindings step back), and a crash between "snapshot renamed" and "journal
//      emptied" loses nothing.
//   4. An interrupted append leaves a torn tail whose BAs never left (fsync had not returned):
//      ignoring it is correct. A change that reached the disk but whose BA did not leave is the
//      same as a BA lost in the network: the MN retransmits with a newer sequence number.
// Not journaled (restored from the last snapshot only): traffic counters, expiry removals
// (expiry times are absolute, so an expired binding expires again), and the care-of nonce ring
// (a CoT issued after the last snapshot can be answered with BA 137; the MN redoes the test).
import { mkdirSync, chmodSync, statSync } from "node:fs";
import { join } from "node:path";
import { COUNTER_NAMES, type CounterName, type Dar, type DarEvent } from "../core/dar.js";
import { parseIPv6 } from "../ipv6.js";
import { readStateFile, writeStateFile } from "../state-file.js";
import { InputError } from "../errors.js";
import { Journal, readJournal, JournalError, type JournalEntry } from "./journal.js";
import { BindingRecords } from "./records.js";
import type { Logger } from "../log.js";

export const SNAPSHOT_FILE = "dar-state.json";
export const JOURNAL_FILE = "dar.journal";

export interface RestoreReport {
  snapshotBindings: number;
  journalEntries: number;
  tornBytes: number;
  bindings: number;
}

export interface BatchRecord {
  /** Events the batch produced (drained from the core). */
  events: DarEvent[];
  /** Journal entries appended. */
  entries: number;
  /** Accepted BAs in the batch. */
  acceptedBas: number;
  /** A full snapshot was written (an accepted BU without BA). */
  snapshotted: boolean;
}

export class DarStore {
  readonly snapshotPath: string;
  readonly journalPath: string;
  readonly records: BindingRecords;
  private journal: Journal | null = null;
  private acceptedIdx: number;
  private lastAccepted = 0;
  lastCompactionAt = 0;
  compactions = 0;

  constructor(readonly dar: Dar, readonly stateDir: string, private readonly log: Logger, private readonly now: () => number = Date.now) {
    this.snapshotPath = join(stateDir, SNAPSHOT_FILE);
    this.journalPath = join(stateDir, JOURNAL_FILE);
    this.records = new BindingRecords(dar);
    this.acceptedIdx = (dar.x.counters_base() >>> 2) + 2 * counterIndex("bu-accepted");
  }

  /** Creates the state directory (0700), restores the snapshot, replays the journal, compacts. */
  open(): RestoreReport {
    mkdirSync(this.stateDir, { recursive: true, mode: 0o700 });
    try {
      if ((statSync(this.stateDir).mode & 0o077) !== 0) chmodSync(this.stateDir, 0o700);
    } catch { /* not ours to fix (e.g. a shared directory): files are 0600 anyway */ }
    const blob = readStateFile(this.snapshotPath);
    if (blob) {
      try {
        this.dar.restore(blob);
      } catch (e) {
        throw new InputError(`snapshot ${this.snapshotPath}: ${(e as Error).message}; move it aside to start without it`);
      }
    }
    const snapshotBindings = this.dar.bindingsCount();
    const contents = readJournal(this.journalPath);
    contents.entries.forEach((e, i) => {
      try {
        if (e.kind === "bind") this.records.put(e.record);
        else this.records.forget(e.hoa);
      } catch (err) {
        throw new JournalError(`journal ${this.journalPath}: entry ${i + 1}: ${(err as Error).message}`);
      }
    });
    // Replaying emits `removed` events for forgotten bindings: routes are installed from the
    // bindings listing afterwards, so these are dropped.
    this.dar.drainEvents();
    if (contents.tornBytes > 0) this.log.warn("journal.torn_tail", { path: this.journalPath, bytes: contents.tornBytes });
    this.journal = Journal.open(this.journalPath, contents);
    this.lastAccepted = this.acceptedLow32();
    // Fold the journal into a fresh snapshot now: it also persists Kdar on a first start.
    this.compact("start");
    return { snapshotBindings, journalEntries: contents.entries.length, tornBytes: contents.tornBytes, bindings: this.dar.bindingsCount() };
  }

  private u32: Uint32Array | null = null;
  /** Low word of the `bu-accepted` counter (one read per batch; the view is rebuilt only when memory grows). */
  private acceptedLow32(): number {
    const buf = this.dar.core.bytes().buffer;
    if (this.u32?.buffer !== buf) this.u32 = new Uint32Array(buf);
    return this.u32[this.acceptedIdx]!;
  }

  /**
   * Runs after process_batch(n) and before any output is written: drains the batch's events and
   * makes every binding change durable. Returns what it did; the caller logs and routes.
   */
  recordBatch(n: number): BatchRecord {
    const events = this.dar.x.events_count() > 0 ? this.dar.drainEvents() : NO_EVENTS;
    const accepted = this.acceptedLow32();
    const delta = (accepted - this.lastAccepted) >>> 0;
    this.lastAccepted = accepted;
    if (events.length === 0 && delta === 0) return { events, entries: 0, acceptedBas: 0, snapshotted: false };

    const touched = new Map<string, Uint8Array>();
    const touch = (hoa: Uint8Array) => touched.set(Buffer.from(hoa).toString("hex"), hoa);
    for (const e of events) touch(parseIPv6(e.hoa)!);
    let acceptedBas = 0;
    const baSlots: number[] = [];
    if (delta > 0) {
      for (let i = 0; i < n; i++) {
        const hoa = this.records.acceptedHoa(i);
        if (!hoa) continue;
        acceptedBas++;
        baSlots.push(i);
        touch(hoa);
      }
    }
    const entries: JournalEntry[] = [];
    for (const hoa of touched.values()) {
      const record = this.records.find(hoa);
      entries.push(record ? { kind: "bind", record } : { kind: "remove", hoa });
    }
    let snapshotted = false;
    try {
      this.journal!.append(entries);
      if (delta > acceptedBas) {
        // An accepted BU without a BA may be a refresh, which has no event: save everything.
        this.compact("unacknowledged-bu");
        snapshotted = true;
      }
    } catch (e) {
      // Not durable: the BAs must not leave. The bindings stay in memory; the MN retransmits.
      const { desc } = this.dar.views();
      for (const i of baSlots) desc[i * 4 + 2] = 0; // verdict: drop (ARCHITECTURE.md descriptor)
      this.log.error("journal.append_failed", { path: this.journalPath, error: e, basWithheld: baSlots.length });
    }
    return { events, entries: entries.length, acceptedBas, snapshotted };
  }

  get entriesSinceCompaction(): number { return this.journal?.entriesSinceReset ?? 0; }
  get journalBytes(): number { return this.journal?.bytes ?? 0; }

  /** Writes the snapshot (write-then-rename), then empties the journal. */
  compact(reason: string): void {
    const entries = this.entriesSinceCompaction;
    writeStateFile(this.snapshotPath, this.dar.snapshot());
    this.journal?.reset();
    this.lastCompactionAt = this.now();
    this.compactions++;
    this.log.info("state.compacted", { reason, bindings: this.dar.bindingsCount(), journalEntries: entries });
  }

  close(): void {
    this.journal?.close();
    this.journal = null;
  }
}

const NO_EVENTS: DarEvent[] = [];

function counterIndex(name: CounterName): number {
  const i = COUNTER_NAMES.indexOf(name);
  if (i < 0) throw new Error(`unknown counter ${name}`);
  return i;
}
