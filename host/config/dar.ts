// The DAR configuration file (JSON). `fama replay` takes the protocol keys; the
// daemon (`fama dar`) also takes the keys that name interfaces and files.
// Every key is checked: unknown keys and bad values are clear errors.
import { InputError } from "../errors.js";
import { parseIPv6, parsePrefix, type Prefix } from "../ipv6.js";
import { readJsonFile, rejectUnknown, integer, text, bool, type Json } from "./json.js";

export interface DarConfig {
  anchor: Uint8Array;
  anchorText: string;
  prefixes: Prefix[];
  /** Lowest CGA Sec accepted (0-7). */
  minSec: number;
  /** Longest binding lifetime granted, seconds. */
  maxLifetime: number;
  /** Require the care-of test before binding. */
  coaTest: boolean;
  /** Largest packet sent into the tunnel, bytes. Below IPV6_MIN_MTU only for `fama replay`. */
  tunnelMtu: number;
  /** Binding cache capacity. */
  capacity: number;
  /** The CPU budget of cga-mode BUs (assembly/dar/cga-budget.ts, cga-queue.ts). */
  cgaBudget?: CgaBudget;
  /** Who may create a binding (assembly/dar/admission.ts). */
  admission?: Admission;
}

export interface CgaBudget {
  /** Budget units (one cga-mode BU with a 2048-bit key) a second. */
  perSecond: number;
  /** cga-mode BUs verified per call at most. */
  perBatch: number;
  /** Deferral queue entries; 0: verified inline in the batch (`fama replay`). */
  queue: number;
}

export interface Admission {
  mode: "on-link" | "open";
  /** Sightings table capacity (addresses seen on the access links). */
  sightings: number;
  /** Seconds a sighting counts. */
  sightingLifetime: number;
  /** Seconds granted to a new binding; doubled by each phkt-mode refresh up to maxLifetime. */
  probationLifetime: number;
  /** Bindings in probation at most. */
  probationMax: number;
}

export interface DarDaemonConfig extends DarConfig {
  /** Name of the TUN device the daemon creates. */
  tun: string;
  /** Where the snapshot and journal live. */
  stateDir: string;
  /** Unix socket for `fama status`. */
  socket: string;
  /** Policy routing table holding the routes into the TUN (anchor, bound HoAs). */
  routeTable: number;
  /** Priority of the `not iif TUN lookup routeTable` rule. */
  rulePriority: number;
  /** TUN transmit queue length (packets). */
  txqueuelen: number;
  /** Name of the TUN the signalling to the anchor (BUs, CoTIs) arrives on: its own queue, read with a budget. */
  signalTun: string;
  /** The signalling TUN's queue (packets): what a BU flood can make wait; the kernel drops the rest. */
  signalTxqueuelen: number;
  /** Interfaces whose neighbours count as sighted (admission "on-link"); null: those holding an address inside `prefixes`. */
  accessInterfaces: string[] | null;
  /** Open the TUN with offloads (checksum, TSO for IPv6; docs/OFFLOAD.md) where the kernel has them. */
  offload: boolean;
  /** Compact the journal into the snapshot after this many journal entries... */
  compactChanges: number;
  /** ...or this many seconds after the first entry since the last compaction. */
  compactSeconds: number;
}

export const DAR_DEFAULTS = { minSec: 0, maxLifetime: 86400, coaTest: false, tunnelMtu: 1460, capacity: 65536 };
/** The daemon's budget: 2000 units/s at ~130 µs each is ~26% of one core for cga work. */
export const CGA_BUDGET_DEFAULTS: CgaBudget = { perSecond: 2000, perBatch: 4, queue: 256 };
/** Offline (`fama replay`, the core's users in tests and the simulator): inline, no policy. */
export const CGA_BUDGET_OFFLINE: CgaBudget = { ...CGA_BUDGET_DEFAULTS, queue: 0 };
/** probationMax defaults to a quarter of the capacity. */
export const ADMISSION_DEFAULTS = { mode: "on-link", sightings: 16384, sightingLifetime: 3600, probationLifetime: 60 } as const;
export const ADMISSION_OFFLINE_MODE = "open";
const MAX_QUEUE = 65536;
const MAX_SIGHTINGS = 4_194_304;
const MAX_PER_BATCH = 256;
const MAX_PER_SECOND = 1_000_000;
/** Every IPv6 link carries packets of this size (RFC 8200 §5). */
export const IPV6_MIN_MTU = 1280;
const MAX_PREFIXES = 16;
// The core's binding cache limit (BC_MAX_CAPACITY in assembly/dar/binding-cache.ts).
const MAX_CAPACITY = 4_194_304;
// The wire lifetime is 16 bits of 4-second units.
const MAX_WIRE_LIFETIME = 65535 * 4;





const PROTOCOL_KEYS = ["anchor", "prefixes", "minSec", "maxLifetime", "coaTest", "tunnelMtu", "capacity", "cgaBudget", "admission"];
const DAEMON_KEYS = ["tun", "stateDir", "socket", "routeTable", "rulePriority", "txqueuelen", "signalTun", "signalTxqueuelen", "offload", "accessInterfaces", "compactChanges", "compactSeconds"];
const CGA_BUDGET_KEYS = ["perSecond", "perBatch", "queue"];
const ADMISSION_KEYS = ["mode", "sightings", "sightingLifetime", "probationLifetime", "probationMax"];
export const DAEMON_DEFAULTS = {
  tun: "fama0", stateDir: "/var/lib/fama", socket: "/run/fama/dar.sock",
  routeTable: 100, rulePriority: 1000, txqueuelen: 10000, signalTxqueuelen: 1024, offload: true, compactChanges: 1000, compactSeconds: 300,
};
/** Keys `fama dar` applies on SIGHUP; any other key needs a restart. */
export const RELOADABLE_KEYS = ["prefixes", "minSec", "maxLifetime", "coaTest", "compactChanges", "compactSeconds"] as const;
// Linux reserves tables 253 (default), 254 (main), 255 (local); 0 is "unspecified".
const RESERVED_TABLES = [0, 253, 254, 255];
// sun_path is 108 bytes with its NUL.
const MAX_SOCKET_PATH = 107;

function section(json: Json, key: string, where: string): Json {
  const v = json[key];
  if (v === undefined) return {};
  if (typeof v !== "object" || v === null || Array.isArray(v)) throw new InputError(`${where}: "${key}" must be an object, not ${JSON.stringify(v)}`);
  return v as Json;
}

function parseCgaBudget(json: Json, where: string, d: CgaBudget): CgaBudget {
  const b = section(json, "cgaBudget", where);
  const w = `${where}: "cgaBudget"`;
  rejectUnknown(b, CGA_BUDGET_KEYS, w);
  return {
    perSecond: integer(b, "perSecond", d.perSecond, 1, MAX_PER_SECOND, w),
    perBatch: integer(b, "perBatch", d.perBatch, 1, MAX_PER_BATCH, w),
    queue: integer(b, "queue", d.queue, 0, MAX_QUEUE, w),
  };
}

function parseAdmission(json: Json, where: string, mode: Admission["mode"], capacity: number, maxLifetime: number): Admission {
  const a = section(json, "admission", where);
  const w = `${where}: "admission"`;
  rejectUnknown(a, ADMISSION_KEYS, w);
  const m = a.mode ?? mode;
  if (m !== "on-link" && m !== "open") throw new InputError(`${w}: "mode" must be "on-link" or "open", not ${JSON.stringify(a.mode)}`);
  const d = ADMISSION_DEFAULTS;
  return {
    mode: m,
    sightings: integer(a, "sightings", d.sightings, 1, MAX_SIGHTINGS, w),
    sightingLifetime: integer(a, "sightingLifetime", d.sightingLifetime, 1, 0x7fffffff, w),
    probationLifetime: integer(a, "probationLifetime", Math.min(d.probationLifetime, maxLifetime), 4, maxLifetime, w),
    probationMax: integer(a, "probationMax", Math.max(1, Math.floor(capacity / 4)), 1, capacity, w),
  };
}

function parseProtocolKeys(json: Json, where: string, daemon = false): DarConfig {
  const anchorText = text(json, "anchor", where);
  const anchor = parseIPv6(anchorText);
  if (!anchor) throw new InputError(`${where}: "anchor" is not an IPv6 address: ${anchorText}`);
  if (anchor[0] === 0xff || anchor.every((b) => b === 0)) throw new InputError(`${where}: "anchor" must be a unicast address`);
  const list = json.prefixes;
  if (!Array.isArray(list) || list.length === 0 || list.length > MAX_PREFIXES) {
    throw new InputError(`${where}: "prefixes" must be a list of 1 to ${MAX_PREFIXES} IPv6 prefixes`);
  }
  const prefixes = list.map((p) => {
    const parsed = typeof p === "string" ? parsePrefix(p) : `${JSON.stringify(p)} is not a string`;
    if (typeof parsed === "string") throw new InputError(`${where}: "prefixes": ${parsed}`);
    // A CGA's subnet prefix is its first 64 bits (RFC 3972), so delegated prefixes are /64 or shorter.
    if (parsed.length > 64 || parsed.length < 1) throw new InputError(`${where}: "prefixes": ${parsed.text} must be /1 to /64`);
    return parsed;
  });
  const coaTest = bool(json, "coaTest", DAR_DEFAULTS.coaTest, where);
  const maxLifetime = integer(json, "maxLifetime", DAR_DEFAULTS.maxLifetime, 4, MAX_WIRE_LIFETIME, where);
  const capacity = integer(json, "capacity", DAR_DEFAULTS.capacity, 1, MAX_CAPACITY, where);
  return {
    anchor,
    anchorText,
    prefixes,
    minSec: integer(json, "minSec", DAR_DEFAULTS.minSec, 0, 7, where),
    maxLifetime,
    coaTest,
    // Any size: the profile's Packet Too Big rule (docs/PROTOCOL.md §2.5) treats a tunnel MTU
    // below 1280 as 1280. The daemon asks for more (parseDarDaemonConfig).
    tunnelMtu: integer(json, "tunnelMtu", DAR_DEFAULTS.tunnelMtu, 1, 65535, where),
    capacity,
    cgaBudget: parseCgaBudget(json, where, daemon ? CGA_BUDGET_DEFAULTS : CGA_BUDGET_OFFLINE),
    admission: parseAdmission(json, where, daemon ? ADMISSION_DEFAULTS.mode : ADMISSION_OFFLINE_MODE, capacity, maxLifetime),
  };
}

function parseInterfaces(json: Json, where: string): string[] | null {
  const v = json.accessInterfaces;
  if (v === undefined) return null;
  if (!Array.isArray(v) || v.length === 0 || v.some((n) => typeof n !== "string" || !IFNAME.test(n))) {
    throw new InputError(`${where}: "accessInterfaces" must be a non-empty list of Linux interface names, not ${JSON.stringify(v)}`);
  }
  return v as string[];
}

const IFNAME = /^[A-Za-z0-9_.-]{1,15}$/;

/** The keys `fama replay` reads (offline defaults: cga verified inline, admission "open"). */
export function parseDarConfig(json: Json, where = "config"): DarConfig {
  rejectUnknown(json, PROTOCOL_KEYS, where);
  return parseProtocolKeys(json, where);
}

/** The default signalling TUN is the data TUN's name with this suffix ("fama0" -> "fama0-sig"). */
const SIGNAL_TUN_SUFFIX = "-sig";

/** A Linux interface name from `key`, or `dflt`; the default is checked too (a long "tun" makes a too long "signalTun"). */
function interfaceName(json: Json, key: string, dflt: string, where: string): string {
  const name = text(json, key, where, dflt);
  if (!IFNAME.test(name) || name === "." || name === "..") {
    const given = key in json ? JSON.stringify(json[key]) : `the default ${JSON.stringify(dflt)}`;
    throw new InputError(`${where}: "${key}" must be a Linux interface name (1-15 letters, digits, _ . -), not ${given}`);
  }
  return name;
}

/** The keys the `fama dar` daemon reads. */
export function parseDarDaemonConfig(json: Json, where = "config"): DarDaemonConfig {
  rejectUnknown(json, [...PROTOCOL_KEYS, ...DAEMON_KEYS], where);
  const base = parseProtocolKeys(json, where, true);
  if (base.tunnelMtu < IPV6_MIN_MTU) {
    // The core does not fragment tunnel packets (RFC 2473 §7.1 would have it fragment the ones
    // whose inner packet lies between the tunnel MTU and 1280), and Linux turns IPv6 off on a
    // TUN whose MTU (tunnelMtu + 40) is below 1280: on a live link such packets would be lost.
    throw new InputError(`${where}: "tunnelMtu" must be at least ${IPV6_MIN_MTU} for the daemon, not ${base.tunnelMtu}: fama does not fragment tunnel packets (\`fama replay\` accepts it)`);
  }
  const d = DAEMON_DEFAULTS;
  const tun = interfaceName(json, "tun", d.tun, where);
  const signalTun = interfaceName(json, "signalTun", `${tun}${SIGNAL_TUN_SUFFIX}`, where);
  if (signalTun === tun) throw new InputError(`${where}: "signalTun" must differ from "tun" (${JSON.stringify(tun)})`);
  const socket = text(json, "socket", where, d.socket);
  if (Buffer.byteLength(socket) > MAX_SOCKET_PATH) throw new InputError(`${where}: "socket" must be a path of at most ${MAX_SOCKET_PATH} bytes`);
  const routeTable = integer(json, "routeTable", d.routeTable, 1, 0x7fffffff, where);
  if (RESERVED_TABLES.includes(routeTable)) throw new InputError(`${where}: "routeTable" must not be a reserved table (253 default, 254 main, 255 local), not ${routeTable}`);
  return {
    ...base,
    tun,
    stateDir: text(json, "stateDir", where, d.stateDir),
    socket,
    routeTable,
    // Below 32766 (the main table's rule) so that it is consulted first.
    rulePriority: integer(json, "rulePriority", d.rulePriority, 1, 32765, where),
    txqueuelen: integer(json, "txqueuelen", d.txqueuelen, 1, 1_000_000, where),
    signalTun,
    signalTxqueuelen: integer(json, "signalTxqueuelen", d.signalTxqueuelen, 1, 1_000_000, where),
    offload: bool(json, "offload", d.offload, where),
    accessInterfaces: parseInterfaces(json, where),
    compactChanges: integer(json, "compactChanges", d.compactChanges, 1, 1_000_000_000, where),
    compactSeconds: integer(json, "compactSeconds", d.compactSeconds, 1, 86400, where),
  };
}

export function loadDarConfig(path: string): DarConfig {
  return parseDarConfig(readJsonFile(path, "config"), path);
}

export function loadDarDaemonConfig(path: string): DarDaemonConfig {
  return parseDarDaemonConfig(readJsonFile(path, "config"), path);
}
