// The daemon configuration files the lab writes into its temporary directory: one `fama dar`
// config per DAR (docs/OPERATIONS.md) and the `fama mn` config (host/config/mn.ts), from the
// addressing plan of host/lab/topology.ts. Each is checked by the daemons' own parsers before
// it is written, so a lab change that produces a bad key fails here, not in a daemon log.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { PLAN } from "./topology.js";
import { parseDarDaemonConfig } from "../config/dar.js";
import { parseMnConfig } from "../config/mn.js";

export interface LabConfigOptions {
  dars: number;
  /** DARs require the care-of test, and the MN does it before every BU. */
  coaTest: boolean;
  /** Largest inner packet through the tunnels (DARs and MN). */
  tunnelMtu: number;
  /** Binding lifetime the MN asks for, s. */
  lifetime: number;
  /** How long the MN keeps an address nobody uses, s. */
  idleTimeoutS: number;
  /** The roaming shape: A_k is DAR_k's access address (announced by radvd), the MN lists only its
   *  one access interface. */
  roaming: boolean;
  /** TUN offloads on both daemons (their "offload" key; default on). */
  offload?: boolean;
}

export const DAR_TUN = "fama0";
export const MN_TUN = "famamn0";

export interface LabFiles {
  dar: { config: string; socket: string; stateDir: string; log: string }[];
  mn: { config: string; socket: string; state: string; key: string; log: string };
}

export function labFiles(dir: string, dars: number): LabFiles {
  return {
    dar: Array.from({ length: dars }, (_, i) => ({
      config: join(dir, `dar${i + 1}.json`),
      socket: join(dir, `dar${i + 1}.sock`),
      stateDir: join(dir, `dar${i + 1}-state`),
      log: join(dir, `dar${i + 1}.log`),
    })),
    mn: { config: join(dir, "mn.json"), socket: join(dir, "mn.sock"), state: join(dir, "mn.state"), key: join(dir, "mn.key"), log: join(dir, "mn.log") },
  };
}

export function darConfig(k: number, files: LabFiles, o: LabConfigOptions): Record<string, unknown> {
  const f = files.dar[k - 1]!;
  return {
    anchor: o.roaming ? PLAN.darAccess(k) : PLAN.anchor(k),
    prefixes: [PLAN.prefix(k)],
    coaTest: o.coaTest,
    maxLifetime: 3600,
    tunnelMtu: o.tunnelMtu,
    capacity: 1024,
    tun: DAR_TUN,
    ...(o.offload === false ? { offload: false } : {}),
    stateDir: f.stateDir,
    socket: f.socket,
  };
}

export function mnConfig(files: LabFiles, o: LabConfigOptions, interfaces: (k: number) => string): Record<string, unknown> {
  return {
    key: files.mn.key,
    state: files.mn.state,
    sec: 1,
    tun: MN_TUN,
    tunnelMtu: o.tunnelMtu,
    ...(o.offload === false ? { offload: false } : {}),
    socket: files.mn.socket,
    lifetime: o.lifetime,
    keep: { idleTimeoutS: o.idleTimeoutS, sockets: true, listening: false, intervalMs: 500 },
    // roaming: no DAR in the config, they come from the RAs (PROTOCOL.md §2.7)
    interfaces: o.roaming ? [o.coaTest ? { name: interfaces(1), coaTest: true } : interfaces(1)] : Array.from({ length: o.dars }, (_, i) => ({
      name: interfaces(i + 1), prefix: PLAN.prefix(i + 1), anchor: PLAN.anchor(i + 1), gateway: PLAN.darAccess(i + 1), coaTest: o.coaTest,
    })),
  };
}

/** Writes every config (checked by the daemons' parsers first). */
export function writeConfigs(files: LabFiles, o: LabConfigOptions, interfaces: (k: number) => string): void {
  for (let k = 1; k <= o.dars; k++) {
    const cfg = darConfig(k, files, o);
    parseDarDaemonConfig(cfg, `lab dar${k}`);
    writeFileSync(files.dar[k - 1]!.config, JSON.stringify(cfg, null, 2) + "\n", { mode: 0o600 });
  }
  const mn = mnConfig(files, o, interfaces);
  parseMnConfig(mn, "lab mn");
  writeFileSync(files.mn.config, JSON.stringify(mn, null, 2) + "\n", { mode: 0o600 });
}
