// The DAR's binding journal: an append-only text file of binding changes since the last
// snapshot, so that a daemon killed at any moment (SIGKILL, power loss) loses no binding whose
// BA has left. The daemon appends the changes of a batch with ONE write + fsync BEFORE it writes
// the batch's outputs (the BAs) to the TUN; a restart restores the snapshot and replays the
// journal on top. Compaction writes a new snapshot (write-then-rename) and then replaces the
// journal with an empty one (write-then-rename too).
//
// Format (ASCII, one entry per line, "\n"-terminated; file mode 0600, it holds PHKTs):
//   fama-dar-journal 1                       header, first line
//   B <192 hex digits> <crc>                 a binding's full 96-byte record after the change
//                                            (host/core/records.ts, from the binding's event;
//                                            opaque here: HoA, CoA, PHKT, expiry, seq, ...)
//   R <32 hex digits> <crc>                  the binding for this HoA (16 bytes) is gone
//   <crc> = CRC-32 (zlib) of the text before the last space, 8 lowercase hex digits.
// Each entry is the binding's complete state, not a delta, so replay is idempotent: applying an
// entry twice, or applying entries the snapshot already contains (a crash between writing the
// snapshot and emptying the journal), gives the same bindings.
//
// Damage rules (documented in docs/OPERATIONS.md):
//   * a torn tail (a last line without "\n", or bad lines with no good line after them: what an
//     interrupted append leaves) is ignored, reported, and cut off before the next append;
//   * a bad line FOLLOWED by a good line is not a crash artefact: the journal is refused with an
//     error naming the file and line (the daemon does not start rather than silently drop
//     accepted bindings; the operator moves the file aside to start without it).
import { closeSync, existsSync, fchmodSync, fsyncSync, ftruncateSync, openSync, readFileSync, writeSync } from "node:fs";
import { crc32 } from "node:zlib";
import { InputError } from "../errors.js";
import { writeFileAtomic } from "../state-file.js";
import { BINDING_RECORD_LEN as RECORD_LEN, HOA_LEN } from "../core/records.js";

export const JOURNAL_HEADER = "fama-dar-journal 1";

export type JournalEntry =
  | { kind: "bind"; record: Uint8Array }
  | { kind: "remove"; hoa: Uint8Array };

export interface JournalContents {
  entries: JournalEntry[];
  /** Bytes of the file up to the end of the last good line (where the next append goes). */
  goodBytes: number;
  /** Bytes of torn tail ignored (0 for a clean file). */
  tornBytes: number;
  /** 0 when the file did not exist. */
  fileBytes: number;
}

export class JournalError extends InputError {}

const crcHex = (text: string) => (crc32(text) >>> 0).toString(16).padStart(8, "0");
const hex = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString("hex");

/** One journal line (with its "\n"). */
export function encodeEntry(e: JournalEntry): string {
  const body = e.kind === "bind" ? `B ${hex(checkLen(e.record, RECORD_LEN))}` : `R ${hex(checkLen(e.hoa, HOA_LEN))}`;
  return `${body} ${crcHex(body)}\n`;
}

function checkLen(b: Uint8Array, n: number): Uint8Array {
  if (b.length !== n) throw new Error(`journal entry of ${b.length} bytes, expected ${n}`);
  return b;
}

/** Parses one line (without "\n"); null if it is not a well-formed entry. */
export function decodeLine(line: string): JournalEntry | null {
  const m = /^([BR]) ([0-9a-f]+) ([0-9a-f]{8})$/.exec(line);
  if (!m) return null;
  const body = `${m[1]} ${m[2]}`;
  if (crcHex(body) !== m[3]) return null;
  const bytes = new Uint8Array(Buffer.from(m[2]!, "hex"));
  if (m[1] === "B") return bytes.length === RECORD_LEN ? { kind: "bind", record: bytes } : null;
  return bytes.length === HOA_LEN ? { kind: "remove", hoa: bytes } : null;
}

/** Reads a journal file. Throws JournalError for damage that is not a torn tail. */
export function readJournal(path: string): JournalContents {
  if (!existsSync(path)) return { entries: [], goodBytes: 0, tornBytes: 0, fileBytes: 0 };
  const buf = readFileSync(path);
  const text = buf.toString("latin1");
  if (text.length === 0) return { entries: [], goodBytes: 0, tornBytes: 0, fileBytes: 0 };
  const headerEnd = text.indexOf("\n");
  if (headerEnd < 0 || text.slice(0, headerEnd) !== JOURNAL_HEADER) {
    // A header cut short by a crash is impossible (the file is created by rename), so this is
    // not our file, or a newer version.
    throw new JournalError(`journal ${path}: first line is not "${JOURNAL_HEADER}" (not a fama journal, or an unsupported version)`);
  }
  const entries: JournalEntry[] = [];
  let pos = headerEnd + 1;
  let goodBytes = pos;
  let lineNo = 1;
  let firstBad: { line: number; at: number } | null = null;
  while (pos < text.length) {
    const nl = text.indexOf("\n", pos);
    lineNo++;
    if (nl < 0) break; // the last line has no newline: torn
    const entry = decodeLine(text.slice(pos, nl));
    if (entry) {
      if (firstBad) {
        throw new JournalError(`journal ${path}: line ${firstBad.line} (byte ${firstBad.at}) is corrupt but later entries are intact; this is not an interrupted append, so the journal is refused. Move it aside to start from the snapshot alone (bindings changed since the last snapshot are then lost)`);
      }
      entries.push(entry);
      goodBytes = nl + 1;
    } else if (!firstBad) {
      firstBad = { line: lineNo, at: pos };
    }
    pos = nl + 1;
  }
  return { entries, goodBytes, tornBytes: buf.length - goodBytes, fileBytes: buf.length };
}

/**
 * The open journal. `append` is synchronous and durable when it returns (write + fsync), which
 * is what lets the data plane write the batch's BAs right after it.
 */
export class Journal {
  private fd: number;
  /** Entries appended since the journal was last emptied (compaction). */
  entriesSinceReset = 0;
  /** Bytes of the file. */
  bytes: number;

  private constructor(readonly path: string, fd: number, bytes: number) {
    this.fd = fd;
    this.bytes = bytes;
  }

  /**
   * Opens (creating it if needed) the journal at `path` for appending, after `readJournal`
   * accepted it: a torn tail is cut off so the next entry starts on a line of its own.
   */
  static open(path: string, contents: JournalContents): Journal {
    if (contents.fileBytes === 0) {
      writeFileAtomic(path, `${JOURNAL_HEADER}\n`);
      contents = { ...contents, goodBytes: JOURNAL_HEADER.length + 1 };
    }
    const fd = openSync(path, "r+", 0o600);
    try {
      fchmodSync(fd, 0o600);
      if (contents.tornBytes > 0) {
        ftruncateSync(fd, contents.goodBytes);
        fsyncSync(fd);
      }
    } catch (e) {
      closeSync(fd);
      throw e;
    }
    const j = new Journal(path, fd, contents.goodBytes);
    j.entriesSinceReset = contents.entries.length;
    return j;
  }

  /** Appends entries with one write and one fsync. Throws if the bytes are not on disk. */
  append(entries: readonly JournalEntry[]): void {
    if (entries.length === 0) return;
    let text = "";
    for (const e of entries) text += encodeEntry(e);
    const data = Buffer.from(text, "latin1");
    let done = 0;
    while (done < data.length) done += writeSync(this.fd, data, done, data.length - done, this.bytes + done);
    fsyncSync(this.fd);
    this.bytes += data.length;
    this.entriesSinceReset += entries.length;
  }

  /** Replaces the journal with an empty one (after a snapshot that holds every entry). */
  reset(): void {
    writeFileAtomic(this.path, `${JOURNAL_HEADER}\n`);
    const fd = openSync(this.path, "r+", 0o600);
    closeSync(this.fd);
    this.fd = fd;
    this.bytes = JOURNAL_HEADER.length + 1;
    this.entriesSinceReset = 0;
  }

  close(): void {
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
  }
}
