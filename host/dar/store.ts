// The DAR's durable state: the snapshot (host/state-file.ts, write-then-rename) plus the journal
// of binding changes since (journal.ts). Files in `stateDir` (created 0700; files 0600):
//   dar-state.json   the core's snapshot (bindings with PHKTs, Kdar and the nonce ring)
//   dar.journal      binding changes since that snapshot
//
// Crash-safety argument (docs/OPERATIONS.md has the operator's version):
//   1. The core changes a binding only inside dar_process_batch, and its BA is an output of that
//      same batch. Every change is an event that carries the binding's full record (added,
//      moved, refreshed, removed: assembly/dar/events.ts). The daemon's batch hook
//      (`recordBatch`) runs after the batch and BEFORE the data plane writes any output: it
//      appends the last record of every binding the batch's events name with one write + fsync.
//      If that fails, the core withholds the outputs that acknowledge those changes
//      (dar_withhold_acks: the BAs become drops counted under `withheld`; the MN retransmits).
//   2. A restart restores the snapshot and replays the journal in order. Entries are complete
//      records, so replaying ones the snapshot already holds is harmless (only traffic counters
//      of those bindings step back), and a crash between "snapshot renamed" and "journal
//      emptied" loses nothing.
//   3. An interrupted append leaves a torn tail whose BAs never left (fsync had not returned):
//      ignoring it is correct. A change that reached the disk but whose BA did not leave is the
//      same as a BA lost in the network: the MN retransmits with a newer sequence number.
// Not journaled (restored from the last snapshot only): traffic counters, expiry removals
// (expiry times are absolute, so an expired binding expires again), and the care-of nonce ring
// (a CoT issued after the last snapshot can be answered with BA 137; the MN redoes the test).
import { mkdirSync, chmodSync, statSync } from "node:fs";
import { join } from "node:path";
import type { Dar, DarEvent } from "../core/dar.js";
import { BindingRecords, recordHoa } from "../core/records.js";
import { readStateFile, writeStateFile } from "../state-file.js";
import { InputError } from "../errors.js";
import { Journal, readJournal, JournalError, type JournalEntry } from "./journal.js";
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
  /** Outputs withheld because the append failed. */
  withheld: number;
}

export class DarStore {
  readonly snapshotPath: string;
  readonly journalPath: string;
  readonly records: BindingRecords;
  private journal: Journal | null = null;
  lastCompactionAt = 0;
  compactions = 0;

  constructor(readonly dar: Dar, readonly stateDir: string, private readonly log: Logger, private readonly now: () => number = Date.now) {
    this.snapshotPath = join(stateDir, SNAPSHOT_FILE);
    this.journalPath = join(stateDir, JOURNAL_FILE);
    this.records = new BindingRecords(dar.core);
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
    // Fold the journal into a fresh snapshot now: it also persists Kdar on a first start.
    this.compact("start");
    return { snapshotBindings, journalEntries: contents.entries.length, tornBytes: contents.tornBytes, bindings: this.dar.bindingsCount() };
  }

  /**
   * Runs after dar_process_batch and before any output is written: drains the batch's events and
   * makes every binding change durable. Returns what it did; the caller logs and routes.
   */
  recordBatch(): BatchRecord {
    const events = this.dar.eventCount() > 0 ? this.dar.drainEvents() : NO_EVENTS;
    if (events.length === 0) return { events, entries: 0, withheld: 0 };
    // The last state of each binding the batch changed, in the order they were first changed.
    const last = new Map<string, DarEvent>();
    for (const e of events) last.set(e.hoa, e);
    const entries: JournalEntry[] = [...last.values()].map((e) =>
      e.kind === "removed" ? { kind: "remove", hoa: recordHoa(e.record) } : { kind: "bind", record: e.record });
    let withheld = 0;
    try {
      this.journal!.append(entries);
    } catch (e) {
      // Not durable: the BAs must not leave. The bindings stay in memory; the MN retransmits.
      withheld = this.dar.withholdAcks();
      this.log.error("journal.append_failed", { path: this.journalPath, error: e, basWithheld: withheld });
    }
    return { events, entries: entries.length, withheld };
  }

  get entriesSinceCompaction(): number { return this.journal?.entriesSinceReset ?? 0; }
  get journalBytes(): number { return this.journal?.bytes ?? 0; }

  /** Writes the snapshot (write-then-rename), then empties the journal. */
  compact(reason: string): void {
    const entries = this.entriesSinceCompaction;
    this.dar.withSnapshot((view) => writeStateFile(this.snapshotPath, view));
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
