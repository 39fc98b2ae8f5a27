// `fama replay`: runs one DAR offline on the packets of a pcap, in order, with the
// pcap timestamps as its clock, and writes every packet it emits to another pcap.
import { parseArgs, required } from "../args.js";
import { InputError, UsageError } from "../errors.js";
import { loadDarConfig, IPV6_MIN_MTU } from "../config/dar.js";
import { currentRuntime, loadCore } from "../wasm.js";
import { FuelProfile } from "../runtime/fuel-report.js";
import { Dar, VERDICT_SEND } from "../core/dar.js";
import { readPcap, writePcap, type PcapPacket } from "../pcap.js";
import { readStateFile, writeStateFile } from "../state-file.js";

export const usage = "replay --config DAR.json --in IN.pcap --out OUT.pcap [--state STATE.json] [--fuel-report]  run a DAR on a capture";

export interface ReplayOutput extends PcapPacket {
  /** Index of the input packet that produced it. */
  in: number;
}

/**
 * Runs `dar` on `packets` in order; returns what it emitted, stamped with the input's time.
 * `fuel` (a wasmtime core with fuel metering) records what each packet cost.
 */
export function replayPackets(dar: Dar, packets: PcapPacket[], fuel?: FuelProfile): { out: ReplayOutput[]; tooLarge: number } {
  const out: ReplayOutput[] = [];
  let tooLarge = 0;
  packets.forEach((p, i) => {
    const now = p.tsSec * 1000 + p.tsUsec / 1000;
    dar.tick(now);
    if (p.data.length > dar.maxPacket) {
      tooLarge++;
      return;
    }
    dar.setPacket(0, p.data);
    fuel?.start();
    const sent = dar.process(1, now);
    fuel?.finish(i, p.data);
    if (sent > 0 && dar.verdict(0) === VERDICT_SEND) {
      out.push({ in: i, tsSec: p.tsSec, tsUsec: p.tsUsec, data: dar.output(0).slice() });
    }
    dar.drainEvents();
  });
  return { out, tooLarge };
}

export async function run(args: string[]): Promise<number> {
  const opts = parseArgs(args, { values: ["config", "in", "out", "state"], flags: ["fuel-report"] });
  const fuelReport = opts.flags.has("fuel-report");
  if (fuelReport && currentRuntime() !== "wasmtime") throw new UsageError("--fuel-report needs --runtime wasmtime (fuel is wasmtime's metering)");
  if (opts.positionals.length) throw new InputError(`unexpected argument '${opts.positionals[0]}'`);
  const config = loadDarConfig(required(opts, "config"));
  const input = readPcap(required(opts, "in"));
  const outPath = required(opts, "out");
  const statePath = opts.values.get("state");

  const dar = new Dar(loadCore(undefined, { fuel: fuelReport }));
  const profile = fuelReport ? new FuelProfile(dar, loadCore(undefined, { runtime: "node" })) : undefined;
  // No TUN here, so any tunnelMtu is taken. The profile's rule (larger than the tunnel MTU and
  // than 1280: Packet Too Big with MTU max(tunnel MTU, 1280)) is the core's rule applied to
  // max(tunnelMtu, 1280), and the core takes only 1280 and up.
  dar.configure({ ...config, tunnelMtu: Math.max(config.tunnelMtu, IPV6_MIN_MTU) });
  const saved = statePath ? readStateFile(statePath) : null;
  if (saved) dar.restore(saved);

  const { out, tooLarge } = replayPackets(dar, input.packets, profile);
  writePcap(outPath, out);
  if (statePath) writeStateFile(statePath, dar.snapshot());
  const note = tooLarge ? `, ${tooLarge} larger than ${dar.maxPacket} bytes skipped` : "";
  console.error(`replay: ${input.packets.length} packets in, ${out.length} out${note}`);
  if (profile) console.log(`fuel per packet (process_batch of one packet), by class:\n${profile.table()}`);
  return 0;
}
