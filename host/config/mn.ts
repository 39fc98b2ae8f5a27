// The MN agent's configuration file (JSON), `fama mn --config mn.json`. Every key is checked:
// unknown keys and bad values are clear errors (InputError: exit 1).
//
// {
//   "key": "/var/lib/fama/mn.key",        RSA private key (PEM); created (2048 bits, 0600) if missing
//   "state": "/var/lib/fama/mn.state",    modifier, PHKTs, Binding Update List, pins (write-then-rename)
//   "sec": 1,                             CGA Sec (0..7; the Hash2 search runs once per key)
//   "tun": "famamn0",                     TUN device the agent creates
//   "tunnelMtu": 1460,                    MTU of the TUN (largest inner packet tunnelled)
//   "offload": true,                      TUN offloads (checksum, TSO for IPv6; docs/OFFLOAD.md) where the kernel has them
//   "socket": "/run/fama/mn.sock",        status / keep socket (fama status, fama mn keep)
//   "initialTimeoutMs": 250,              first BA timeout after a handover
//   "lifetime": 3600,                     binding lifetime requested, seconds
//   "table": 100, "rulePriority": 100,    routing table for kept HoAs and the priority of their rules
//   "keep": { "idleTimeoutS": 60, "sockets": true, "listening": false, "intervalMs": 2000 },
//   "interfaces": [                       the access links:
//     "wlan0",                              roaming: the DARs are learned from Router Advertisements
//     { "name": "wlan1", "coaTest": true }, (PROTOCOL.md §2.7), as a name or an object with coaTest
//     { "name": "acc1", "prefix": "2001:db8:1::/64", "anchor": "2001:db8:a:1::1",
//       "gateway": "2001:db8:1::1", "coaTest": false }   fixed: this link always reaches this DAR
//   ],
//   "dars": [                             optional per-DAR overrides for learned DARs, by anchor
//     { "anchor": "2001:db8:1::1", "coaTest": true }
//   ]
// }
import { InputError } from "../errors.js";
import { parseIPv6, parsePrefix, formatIPv6, type Prefix } from "../ipv6.js";
import { readJsonFile, rejectUnknown, integer, text, bool, type Json } from "./json.js";

export interface MnInterfaceConfig {
  name: string;
  prefix: Prefix;
  anchor: string;
  /** next hop for the default route when attached here (the DAR's address on the link) */
  gateway: string;
  coaTest: boolean;
}

/** An access interface whose DARs are learned from Router Advertisements. */
export interface MnRoamingInterfaceConfig {
  name: string;
  /** do the care-of test before every BU sent from an address formed on this link */
  coaTest: boolean;
}

/** Settings for a learned DAR, by its anchor. */
export interface MnDarOverride {
  anchor: string;
  coaTest: boolean;
}

export interface KeepPolicy {
  /** a kept HoA without data for this long (and no pinned/open socket) is released */
  idleTimeoutS: number;
  /** keep addresses that have sockets bound to or connected from them (/proc/net/{tcp,udp}6) */
  sockets: boolean;
  /** count listening-only TCP sockets as "open" (default false: a server socket alone keeps nothing) */
  listening: boolean;
  /** how often the policy runs */
  intervalMs: number;
}

export interface MnConfig {
  key: string;
  state: string;
  sec: number;
  tun: string;
  tunnelMtu: number;
  /** Open the TUN with offloads (docs/OFFLOAD.md) where the kernel has them. */
  offload: boolean;
  socket: string;
  initialTimeoutMs: number;
  lifetime: number;
  table: number;
  rulePriority: number;
  keep: KeepPolicy;
  /** access interfaces that always reach one DAR (prefix, anchor and gateway configured) */
  interfaces: MnInterfaceConfig[];
  /** access interfaces whose DARs come from Router Advertisements */
  roaming: MnRoamingInterfaceConfig[];
  dars: MnDarOverride[];
}

export const MN_DEFAULTS = {
  sec: 1, tun: "famamn0", tunnelMtu: 1460, offload: true, socket: "/run/fama/mn.sock", initialTimeoutMs: 250, lifetime: 3600,
  table: 100, rulePriority: 100,
  keep: { idleTimeoutS: 60, sockets: true, listening: false, intervalMs: 2000 },
} as const;

const TOP_KEYS = ["key", "state", "sec", "tun", "tunnelMtu", "offload", "socket", "initialTimeoutMs", "lifetime", "table", "rulePriority", "keep", "interfaces", "dars"];
const KEEP_KEYS = ["idleTimeoutS", "sockets", "listening", "intervalMs"];
const IF_KEYS = ["name", "prefix", "anchor", "gateway", "coaTest"];
const FIXED_KEYS = ["prefix", "anchor", "gateway"];
const DAR_KEYS = ["anchor", "coaTest"];
const IFNAME = /^[A-Za-z0-9_.-]{1,15}$/;

function unicast(json: Json, key: string, where: string): string {
  const t = text(json, key, where);
  const a = parseIPv6(t);
  if (!a) throw new InputError(`${where}: "${key}" is not an IPv6 address: ${t}`);
  if (a[0] === 0xff || a.every((b) => b === 0)) throw new InputError(`${where}: "${key}" must be a unicast address`);
  return formatIPv6(a);
}

function object(v: unknown, where: string): Json {
  if (typeof v !== "object" || v === null || Array.isArray(v)) throw new InputError(`${where} must be a JSON object`);
  return v as Json;
}

export function parseMnConfig(json: Json, where = "config"): MnConfig {
  rejectUnknown(json, TOP_KEYS, where);
  const keepJson = json.keep === undefined ? {} : object(json.keep, `${where}: "keep"`);
  rejectUnknown(keepJson, KEEP_KEYS, `${where}: "keep"`);
  const d = MN_DEFAULTS.keep;
  const keep: KeepPolicy = {
    idleTimeoutS: integer(keepJson, "idleTimeoutS", d.idleTimeoutS, 1, 86400, `${where}: "keep"`),
    sockets: bool(keepJson, "sockets", d.sockets, `${where}: "keep"`),
    listening: bool(keepJson, "listening", d.listening, `${where}: "keep"`),
    intervalMs: integer(keepJson, "intervalMs", d.intervalMs, 100, 600_000, `${where}: "keep"`),
  };
  const list = json.interfaces;
  if (!Array.isArray(list) || list.length === 0 || list.length > 16) throw new InputError(`${where}: "interfaces" must be a list of 1 to 16 access interfaces`);
  const interfaces: MnInterfaceConfig[] = [];
  const roaming: MnRoamingInterfaceConfig[] = [];
  const names = new Set<string>();
  list.forEach((raw, i) => {
    const w = `${where}: interfaces[${i}]`;
    const j = typeof raw === "string" ? { name: raw } : object(raw, `${w} (an interface name or an object)`);
    rejectUnknown(j, IF_KEYS, w);
    const name = text(j, "name", w);
    if (!IFNAME.test(name)) throw new InputError(`${w}: "name" must be a Linux interface name (1-15 characters)`);
    if (names.has(name)) throw new InputError(`${where}: interface ${name} listed twice`);
    names.add(name);
    const coaTest = bool(j, "coaTest", false, w);
    const given = FIXED_KEYS.filter((k) => j[k] !== undefined);
    if (given.length === 0) {
      roaming.push({ name, coaTest });
      return;
    }
    if (given.length !== FIXED_KEYS.length) {
      throw new InputError(`${w}: "prefix", "anchor" and "gateway" go together (a fixed DAR), or none of them (DARs learned from Router Advertisements)`);
    }
    const pt = text(j, "prefix", w);
    const prefix = parsePrefix(pt);
    if (typeof prefix === "string") throw new InputError(`${w}: "prefix": ${prefix}`);
    if (prefix.length !== 64) throw new InputError(`${w}: "prefix" must be a /64 (a CGA's subnet prefix is 64 bits): ${pt}`);
    interfaces.push({ name, prefix, anchor: unicast(j, "anchor", w), gateway: unicast(j, "gateway", w), coaTest });
  });
  const darList = json.dars === undefined ? [] : json.dars;
  if (!Array.isArray(darList) || darList.length > 64) throw new InputError(`${where}: "dars" must be a list of at most 64 DAR overrides`);
  const dars = darList.map((raw, i) => {
    const w = `${where}: dars[${i}]`;
    const j = object(raw, w);
    rejectUnknown(j, DAR_KEYS, w);
    return { anchor: unicast(j, "anchor", w), coaTest: bool(j, "coaTest", false, w) };
  });
  const anchors = new Set<string>();
  for (const d of dars) {
    if (anchors.has(d.anchor)) throw new InputError(`${where}: DAR ${d.anchor} listed twice in "dars"`);
    anchors.add(d.anchor);
  }
  const tun = text(json, "tun", where, MN_DEFAULTS.tun);
  if (!IFNAME.test(tun)) throw new InputError(`${where}: "tun" must be a Linux interface name (1-15 characters)`);
  if (names.has(tun)) throw new InputError(`${where}: "tun" ${tun} is also an access interface`);
  return {
    key: text(json, "key", where),
    state: text(json, "state", where),
    sec: integer(json, "sec", MN_DEFAULTS.sec, 0, 7, where),
    tun,
    tunnelMtu: integer(json, "tunnelMtu", MN_DEFAULTS.tunnelMtu, 1280, 65535, where),
    offload: bool(json, "offload", MN_DEFAULTS.offload, where),
    socket: text(json, "socket", where, MN_DEFAULTS.socket),
    initialTimeoutMs: integer(json, "initialTimeoutMs", MN_DEFAULTS.initialTimeoutMs, 10, 32000, where),
    lifetime: integer(json, "lifetime", MN_DEFAULTS.lifetime, 4, 262140, where),
    table: integer(json, "table", MN_DEFAULTS.table, 1, 0x7fffffff, where),
    rulePriority: integer(json, "rulePriority", MN_DEFAULTS.rulePriority, 1, 32765, where),
    keep,
    interfaces,
    roaming,
    dars,
  };
}

export function loadMnConfig(path: string): MnConfig {
  return parseMnConfig(readJsonFile(path, "config"), path);
}
