// A strict reader for OpenWrt's UCI files (/etc/config/fama) feeding the same DarDaemonConfig
// as the JSON reader (host/config/dar.ts), so both have one set of value checks.
//
// The file format is libuci's: `package NAME`, `config TYPE ['NAME']`, `option NAME VALUE`,
// `list NAME VALUE`; values unquoted, 'single-quoted' (no escapes) or "double-quoted" (backslash
// escapes), adjacent parts joined ('a'"b" is ab); `#` starts a comment outside quotes. Stricter
// than libuci on purpose: an unknown statement or option, an option given twice, a value split
// over lines, an `option` where a `list` belongs (or the reverse) are errors naming the file,
// the line and the option, so a typo never leaves a default silently in force.
import { readFileSync } from "node:fs";
import { InputError } from "../errors.js";
import { parseDarDaemonConfig, type DarDaemonConfig } from "./dar.js";
import type { Json } from "./json.js";

export interface UciOption { name: string; kind: "option" | "list"; values: string[]; line: number }
export interface UciSection { type: string; name: string | null; line: number; options: Map<string, UciOption> }

const NAME = /^[A-Za-z0-9_]+$/;

function fail(file: string, line: number, message: string): never {
  throw new InputError(`${file}:${line}: ${message}`);
}

/** The words of one line, comments dropped (none for a blank or comment line). */
function tokenize(text: string, file: string, line: number): string[] {
  const words: string[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c === " " || c === "\t" || c === "\r") { i++; continue; }
    if (c === "#") break;
    let word = "";
    while (i < text.length && !" \t\r".includes(text[i]!)) {
      const q = text[i]!;
      if (q === "'" || q === '"') {
        const end = q === "'" ? text.indexOf("'", i + 1) : closingDoubleQuote(text, i + 1);
        if (end < 0) fail(file, line, `unterminated ${q === "'" ? "single" : "double"} quote (a value must end on its line)`);
        const body = text.slice(i + 1, end);
        word += q === "'" ? body : body.replace(/\\(.)/g, "$1");
        i = end + 1;
      } else if (q === "\\") {
        if (i + 1 >= text.length) fail(file, line, "backslash at the end of the line (values cannot continue on the next line)");
        word += text[i + 1];
        i += 2;
      } else {
        word += q;
        i++;
      }
    }
    words.push(word);
  }
  return words;
}

function closingDoubleQuote(text: string, from: number): number {
  for (let i = from; i < text.length; i++) {
    if (text[i] === "\\") i++;
    else if (text[i] === '"') return i;
  }
  return -1;
}

/** Parses UCI text into its sections, in file order. */
export function parseUci(text: string, file: string): UciSection[] {
  const sections: UciSection[] = [];
  let current: UciSection | null = null;
  const lines = text.split("\n");
  for (let n = 1; n <= lines.length; n++) {
    const words = tokenize(lines[n - 1]!, file, n);
    if (words.length === 0) continue;
    const [keyword, ...args] = words as [string, ...string[]];
    if (keyword === "package") {
      if (args.length !== 1 || !NAME.test(args[0]!)) fail(file, n, "'package' takes one name");
    } else if (keyword === "config") {
      if (args.length < 1 || args.length > 2) fail(file, n, "'config' takes a type and an optional name");
      const [type, name] = args as [string, string | undefined];
      if (!NAME.test(type)) fail(file, n, `section type '${type}' is not a name (letters, digits, _)`);
      if (name !== undefined && !NAME.test(name)) fail(file, n, `section name '${name}' is not a name (letters, digits, _)`);
      if (name !== undefined && sections.some((s) => s.name === name)) fail(file, n, `section '${name}' is defined twice`);
      current = { type, name: name ?? null, line: n, options: new Map() };
      sections.push(current);
    } else if (keyword === "option" || keyword === "list") {
      if (args.length !== 2) fail(file, n, `'${keyword}' takes a name and one value${args.length > 2 ? " (quote a value with spaces)" : ""}`);
      const [name, value] = args as [string, string];
      if (!NAME.test(name)) fail(file, n, `option name '${name}' is not a name (letters, digits, _)`);
      if (!current) fail(file, n, `option '${name}' before any 'config' line`);
      const seen = current.options.get(name);
      if (seen && (keyword === "option" || seen.kind === "option")) fail(file, n, `option '${name}' is already set on line ${seen.line}`);
      if (seen) seen.values.push(value);
      else current.options.set(name, { name, kind: keyword, values: [value], line: n });
    } else {
      fail(file, n, `unknown statement '${keyword}' (expected package, config, option or list)`);
    }
  }
  return sections;
}

type Kind = "text" | "integer" | "bool" | "list";

/** The UCI options of a `config dar` section: the JSON key each one feeds and how it is read. */
const DAR_OPTIONS: Record<string, { key: string; kind: Kind }> = {
  anchor: { key: "anchor", kind: "text" },
  prefix: { key: "prefixes", kind: "list" },
  minSec: { key: "minSec", kind: "integer" },
  maxLifetime: { key: "maxLifetime", kind: "integer" },
  coaTest: { key: "coaTest", kind: "bool" },
  tunnelMtu: { key: "tunnelMtu", kind: "integer" },
  capacity: { key: "capacity", kind: "integer" },
  tun: { key: "tun", kind: "text" },
  stateDir: { key: "stateDir", kind: "text" },
  socket: { key: "socket", kind: "text" },
  routeTable: { key: "routeTable", kind: "integer" },
  rulePriority: { key: "rulePriority", kind: "integer" },
  txqueuelen: { key: "txqueuelen", kind: "integer" },
  signalTun: { key: "signalTun", kind: "text" },
  signalTxqueuelen: { key: "signalTxqueuelen", kind: "integer" },
  offload: { key: "offload", kind: "bool" },
  compactChanges: { key: "compactChanges", kind: "integer" },
  compactSeconds: { key: "compactSeconds", kind: "integer" },
  accessInterface: { key: "accessInterfaces", kind: "list" },
  // The JSON objects "cgaBudget" and "admission", flattened (KEY.FIELD).
  cgaPerSecond: { key: "cgaBudget.perSecond", kind: "integer" },
  cgaPerBatch: { key: "cgaBudget.perBatch", kind: "integer" },
  cgaQueue: { key: "cgaBudget.queue", kind: "integer" },
  admission: { key: "admission.mode", kind: "text" },
  sightings: { key: "admission.sightings", kind: "integer" },
  sightingLifetime: { key: "admission.sightingLifetime", kind: "integer" },
  probationLifetime: { key: "admission.probationLifetime", kind: "integer" },
  probationMax: { key: "admission.probationMax", kind: "integer" },
};
/** Options of the section read by the init script and uci-defaults, not by the daemon
 *  (docs/OPENWRT.md): checked here too so that a typo in them is an error as well. */
const ROUTER_OPTIONS: Record<string, Kind> = { enabled: "bool", access: "text", core: "text" };

// libuci's boolean spellings (what `config_get_bool` accepts).
const TRUE = ["1", "yes", "on", "true", "enabled"];
const FALSE = ["0", "no", "off", "false", "disabled"];

function readValue(o: UciOption, kind: Kind, file: string): unknown {
  const where = `${file}:${o.line}: option '${o.name}'`;
  if (kind === "list") {
    if (o.kind !== "list") throw new InputError(`${where} is a list: write one 'list ${o.name} VALUE' line per value`);
    return o.values;
  }
  if (o.kind !== "option") throw new InputError(`${where} takes one value: write 'option ${o.name} VALUE', not 'list'`);
  const v = o.values[0]!;
  if (kind === "integer") {
    if (!/^[0-9]{1,10}$/.test(v)) throw new InputError(`${where} must be a decimal integer, not '${v}'`);
    return Number(v);
  }
  if (kind === "bool") {
    if (TRUE.includes(v)) return true;
    if (FALSE.includes(v)) return false;
    throw new InputError(`${where} must be a boolean (1/0, yes/no, on/off, true/false), not '${v}'`);
  }
  return v;
}

/** The `config dar` section `name` (a section name or `@dar[N]`), or the only one. */
export function selectDarSection(sections: UciSection[], file: string, name?: string): UciSection {
  const dars = sections.filter((s) => s.type === "dar");
  if (name === undefined) {
    if (dars.length === 1) return dars[0]!;
    throw new InputError(dars.length === 0 ? `${file}: no 'config dar' section` : `${file}: ${dars.length} 'config dar' sections (lines ${dars.map((s) => s.line).join(", ")}): choose one with --section`);
  }
  const index = /^@dar\[(\d+)\]$/.exec(name);
  const found = index ? dars[Number(index[1])] : dars.find((s) => s.name === name);
  if (!found) throw new InputError(`${file}: no 'config dar' section ${index ? `number ${index[1]}` : `named '${name}'`}`);
  return found;
}

export interface UciDar { config: DarDaemonConfig; enabled: boolean; section: UciSection }

/** Reads a `config dar` section into the daemon's configuration. */
export function parseUciDar(text: string, file: string, sectionName?: string): UciDar {
  const section = selectDarSection(parseUci(text, file), file, sectionName);
  const json: Json = {};
  const lineOfKey = new Map<string, UciOption>();
  let enabled = true;
  for (const o of section.options.values()) {
    const dar = DAR_OPTIONS[o.name];
    const router = ROUTER_OPTIONS[o.name];
    if (!dar && !router) {
      throw new InputError(`${file}:${o.line}: unknown option '${o.name}' in 'config dar' (allowed: ${[...Object.keys(DAR_OPTIONS), ...Object.keys(ROUTER_OPTIONS)].join(", ")})`);
    }
    if (router) {
      const value = readValue(o, router, file);
      if (o.name === "enabled") enabled = value as boolean;
      continue;
    }
    const [key, field] = dar!.key.split(".") as [string, string | undefined];
    if (field) ((json[key] ??= {}) as Json)[field] = readValue(o, dar!.kind, file);
    else json[key] = readValue(o, dar!.kind, file);
    lineOfKey.set(dar!.key, o);
  }
  try {
    return { config: parseDarDaemonConfig(json, file), enabled, section };
  } catch (e) {
    // The JSON reader names the key (`FILE: "minSec" must be ...`): point at its line instead.
    if (!(e instanceof InputError) || !e.message.startsWith(`${file}: "`)) throw e;
    const rest = e.message.slice(file.length + 2);
    const m = /^"(\w+)"(?:: "(\w+)")?:? /.exec(rest);
    if (!m) throw e;
    const key = m[2] ? `${m[1]}.${m[2]}` : m[1]!;
    const o = lineOfKey.get(key);
    const what = rest.slice(m[0].length);
    if (o) throw new InputError(`${file}:${o.line}: option '${o.name}': ${what}`);
    throw new InputError(`${file}:${section.line}: 'config dar' section: option '${uciName(key)}': ${what}`);
  }
}

function uciName(key: string): string {
  return Object.entries(DAR_OPTIONS).find(([, d]) => d.key === key)?.[0] ?? key;
}

export function loadUciDar(path: string, sectionName?: string): UciDar {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    throw new InputError(`cannot read config ${path}: ${(err as NodeJS.ErrnoException).code ?? err}`);
  }
  return parseUciDar(text, path, sectionName);
}
