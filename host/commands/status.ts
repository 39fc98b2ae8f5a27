// `fama status`: asks a running daemon over its control socket ({"cmd":"status"}, one JSON line
// each way: host/control/socket.ts) and prints what it answers: the binding cache (a DAR) or
// the binding update list (an MN agent), and the counters, as aligned tables or, with --json,
// the daemon's answer as it came. Without --socket it tries the DAR's default socket, then the
// MN agent's. No daemon answering: a clear message and exit 1.
import { parseArgs } from "../args.js";
import { InputError, UsageError } from "../errors.js";
import { DAEMON_DEFAULTS } from "../config/dar.js";
import { queryDaemon, NoDaemonError } from "../control/socket.js";

export const usage = "status [--socket PATH] [--json]  bindings and counters of a running DAR daemon or MN agent";

/** Tried in order when --socket is not given. */
export const DEFAULT_SOCKETS = [DAEMON_DEFAULTS.socket, "/run/fama/mn.sock"];

export async function run(args: string[]): Promise<number> {
  const opts = parseArgs(args, { values: ["socket", "timeout-ms"], flags: ["json"] });
  if (opts.positionals.length) throw new UsageError(`unexpected argument '${opts.positionals[0]}'`);
  const timeoutText = opts.values.get("timeout-ms");
  const timeoutMs = timeoutText === undefined ? 3000 : Number(timeoutText);
  if (!Number.isInteger(timeoutMs) || timeoutMs < 1 || timeoutMs > 600_000) throw new UsageError(`--timeout-ms must be an integer from 1 to 600000`);
  const given = opts.values.get("socket");
  const sockets = given ? [given] : DEFAULT_SOCKETS;
  const failures: string[] = [];
  for (const path of sockets) {
    let answer: Record<string, unknown>;
    try {
      answer = await queryDaemon(path, { cmd: "status" }, timeoutMs);
    } catch (e) {
      if (e instanceof NoDaemonError) { failures.push(e.message); continue; }
      throw new InputError((e as Error).message);
    }
    if (typeof answer.error === "string") throw new InputError(`${path}: ${answer.error}`);
    process.stdout.write(opts.flags.has("json") ? JSON.stringify(answer, null, 2) + "\n" : formatStatus(answer));
    return 0;
  }
  throw new InputError(`${failures.join("; ")}${given ? "" : " (is `fama dar` or `fama mn` running? name its socket with --socket PATH)"}`);
}

type Row = Record<string, unknown>;

/** An aligned text table; numbers right-aligned. `columns`: [key, header] pairs. */
export function table(rows: readonly Row[], columns: readonly (readonly [string, string])[]): string {
  const cells = rows.map((r) => columns.map(([k]) => cell(r[k])));
  const widths = columns.map(([, h], i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const numeric = columns.map(([k]) => rows.length > 0 && rows.every((r) => typeof r[k] === "number" || r[k] === undefined || r[k] === null));
  const line = (vals: string[]) => vals.map((v, i) => (numeric[i] ? v.padStart(widths[i]!) : v.padEnd(widths[i]!))).join("  ").trimEnd();
  return [line(columns.map(([, h]) => h)), ...cells.map(line)].join("\n") + "\n";
}

function cell(v: unknown): string {
  if (v === undefined || v === null) return "-";
  if (typeof v === "boolean") return v ? "yes" : "no";
  if (typeof v === "string" || typeof v === "number" || typeof v === "bigint") return String(v);
  return JSON.stringify(v);
}

const DAR_COLUMNS = [
  ["hoa", "HOME ADDRESS"], ["coa", "CARE-OF ADDRESS"], ["seq", "SEQ"], ["lifetime", "LIFETIME"],
  ["expiresInS", "EXPIRES IN"], ["hasPhkt", "PHKT"], ["pktsToMn", "PKTS TO MN"], ["pktsFromMn", "PKTS FROM MN"],
] as const;

/** Header words for keys an MN agent may use (anything else: the key itself). */
const HEADERS: Record<string, string> = {
  hoa: "HOME ADDRESS", coa: "CARE-OF ADDRESS", dar: "DAR", anchor: "ANCHOR", seq: "SEQ", state: "STATE",
  lifetime: "LIFETIME", expiresInS: "EXPIRES IN", hasPhkt: "PHKT", mode: "MODE", status: "STATUS",
  retransmits: "RETRANSMITS", refreshInS: "REFRESH IN", kept: "KEPT",
};

/** Counters as a two-column table; zero counters are summarised in one line. */
function counterTable(counters: unknown): string {
  if (!counters || typeof counters !== "object") return "";
  const entries = Object.entries(counters as Row);
  const nonZero = entries.filter(([, v]) => v !== 0 && v !== "0");
  const zero = entries.length - nonZero.length;
  let out = `\ncounters${zero ? ` (${zero} at zero not shown)` : ""}:\n`;
  out += nonZero.length ? table(nonZero.map(([name, value]) => ({ name, value })), [["name", "COUNTER"], ["value", "VALUE"]]) : "(all zero)\n";
  return out;
}

function listOf(v: unknown): Row[] | null {
  return Array.isArray(v) && v.every((x) => x && typeof x === "object" && !Array.isArray(x)) ? (v as Row[]) : null;
}

/** The human form of a status answer. */
export function formatStatus(s: Row): string {
  if (s.role === "dar") {
    const bindings = listOf(s.bindings) ?? [];
    const total = typeof s.bindingsTotal === "number" ? s.bindingsTotal : bindings.length;
    const prefixes = Array.isArray(s.prefixes) ? ` prefixes ${s.prefixes.join(",")}` : "";
    let out = `DAR anchor ${cell(s.anchor)}${prefixes} tun ${cell(s.tun)} up ${cell(s.uptimeS)}s, ${total} binding${total === 1 ? "" : "s"}\n\n`;
    out += bindings.length ? table(bindings, DAR_COLUMNS) : "(no bindings)\n";
    if (total > bindings.length) out += `... ${total - bindings.length} more (ask with a larger limit, or --json)\n`;
    return out + counterTable(s.counters);
  }
  if (s.role === "mn") {
    const list = listOf(s.bul) ?? listOf(s.bindingUpdateList) ?? listOf(s.bindings) ?? [];
    const head = Object.entries(s)
      .filter(([k, v]) => !["role", "bul", "bindingUpdateList", "bindings", "counters"].includes(k) && (typeof v !== "object" || v === null))
      .map(([k, v]) => `${k} ${cell(v)}`).join(", ");
    let out = `MN${head ? ` ${head}` : ""}\n\nbinding update list:\n`;
    if (list.length) {
      const keys = [...new Set(list.flatMap((r) => Object.keys(r)))];
      out += table(list, keys.map((k) => [k, HEADERS[k] ?? k.toUpperCase()] as const));
    } else out += "(empty)\n";
    return out + counterTable(s.counters);
  }
  return `daemon answered with role ${cell(s.role)}:\n${JSON.stringify(s, null, 2)}\n`;
}
