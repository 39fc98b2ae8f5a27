// Structured logs: one line per event. Readable text on a terminal, JSON lines with `--log json`
// (`{"ts","level","event",...fields}`). Key material never reaches a log line: fields whose
// name looks like a secret are replaced by "[redacted]", at any depth, whatever their value.

import { UsageError } from "./errors.js";

export type Level = "debug" | "info" | "warn" | "error";
export type LogFormat = "text" | "json";
export type Fields = Record<string, unknown>;

const LEVELS: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/** Field names that may hold key material (PHKT, Kbm, Kdar, keygen tokens, private keys...). */
const SECRET = /(key|secret|kbm|kdar|phkt|token|private|passw|nonce_?value|signature)/i;

export interface LoggerOptions {
  /** "auto" (default): text on a TTY, JSON otherwise. */
  format?: LogFormat | "auto";
  level?: Level;
  /** Where lines go (default process.stderr). */
  write?: (line: string) => void;
  isTTY?: boolean;
  now?: () => Date;
  /** Fields added to every line (e.g. {role: "dar", node: "dar1"}). */
  base?: Fields;
}

export class Logger {
  readonly format: LogFormat;
  readonly level: Level;
  private readonly writeLine: (line: string) => void;
  private readonly now: () => Date;
  private readonly base: Fields;

  constructor(opts: LoggerOptions = {}) {
    const tty = opts.isTTY ?? !!process.stderr.isTTY;
    this.format = !opts.format || opts.format === "auto" ? (tty ? "text" : "json") : opts.format;
    this.level = opts.level ?? "info";
    this.writeLine = opts.write ?? ((line) => { process.stderr.write(line + "\n"); });
    this.now = opts.now ?? (() => new Date());
    this.base = opts.base ?? {};
  }

  child(fields: Fields): Logger {
    return new Logger({ format: this.format, level: this.level, write: this.writeLine, now: this.now, base: { ...this.base, ...fields } });
  }

  enabled(level: Level): boolean { return LEVELS[level] >= LEVELS[this.level]; }

  debug(event: string, fields?: Fields): void { this.log("debug", event, fields); }
  info(event: string, fields?: Fields): void { this.log("info", event, fields); }
  warn(event: string, fields?: Fields): void { this.log("warn", event, fields); }
  error(event: string, fields?: Fields): void { this.log("error", event, fields); }

  log(level: Level, event: string, fields?: Fields): void {
    if (!this.enabled(level)) return;
    const all = sanitize({ ...this.base, ...fields }, 0) as Fields;
    const ts = this.now().toISOString();
    this.writeLine(this.format === "json" ? jsonLine(ts, level, event, all) : textLine(ts, level, event, all));
  }
}

function jsonLine(ts: string, level: Level, event: string, fields: Fields): string {
  const out: Fields = { ts, level, event };
  for (const [k, v] of Object.entries(fields)) if (!(k in out)) out[k] = v;
  return JSON.stringify(out);
}

function textLine(ts: string, level: Level, event: string, fields: Fields): string {
  const parts = [ts, level.toUpperCase().padEnd(5), event];
  for (const [k, v] of Object.entries(fields)) parts.push(`${k}=${textValue(v)}`);
  return parts.join(" ");
}

function textValue(v: unknown): string {
  if (typeof v === "string") return /^[^\s"=]+$/.test(v) ? v : JSON.stringify(v);
  if (v === undefined) return "undefined";
  return JSON.stringify(v);
}

/** Makes a value loggable: secrets redacted, bytes as hex, errors as messages, bigints as text. */
function sanitize(v: unknown, depth: number): unknown {
  if (depth > 6) return "[deep]";
  if (v === null || typeof v === "number" || typeof v === "boolean" || typeof v === "string") return v;
  if (typeof v === "bigint") return v.toString();
  if (v instanceof Error) return v.message;
  if (v instanceof Uint8Array) return Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString("hex");
  if (Array.isArray(v)) return v.map((x) => sanitize(x, depth + 1));
  if (typeof v === "object") {
    const out: Fields = {};
    for (const [k, x] of Object.entries(v as Fields)) out[k] = SECRET.test(k) ? "[redacted]" : sanitize(x, depth + 1);
    return out;
  }
  return String(v);
}

/** Reads `--log json|text` (and `--log=json`) out of an argument list; returns the rest. */
export function takeLogFormat(args: readonly string[]): { format: LogFormat | "auto"; rest: string[] } {
  const rest: string[] = [];
  let format: LogFormat | "auto" = "auto";
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    let value: string | undefined;
    if (a === "--log") value = args[++i];
    else if (a.startsWith("--log=")) value = a.slice(6);
    else { rest.push(a); continue; }
    if (value !== "json" && value !== "text") throw new UsageError(`--log takes json or text, not ${value ?? "nothing"}`);
    format = value;
  }
  return { format, rest };
}

/** A logger that drops everything (for tests and quiet tools). */
export const silentLogger = new Logger({ write: () => {}, level: "error" });
