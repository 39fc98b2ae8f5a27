// fama decode FILE.pcap | --hex HEX: one JSON line per packet with the decoded Mobility Header
// (the shape of tests/vectors/mh/valid.jsonl), or {"ok":false,"error":CLASS,...}.
// Exit 0 when the input was read (malformed packets included), 2 when it could not be.
import { parseArgs } from "../args.js";
import { InputError, UsageError } from "../errors.js";
import { loadCore } from "../wasm.js";
import { readPcap } from "../pcap.js";
import { decodePacket, fromHex } from "../core/mh.js";

export const usage = "decode FILE.pcap | --hex HEX  decode IPv6 / Mobility Header packets to JSON lines";

export async function run(args: string[]): Promise<number> {
  const parsed = parseArgs(args, { values: ["hex"] });
  const hex = parsed.values.get("hex");
  const count = parsed.positionals.length;
  if (hex !== undefined ? count !== 0 : count !== 1) {
    throw new UsageError(`usage: fama ${usage}`);
  }
  let packets: Uint8Array[];
  try {
    packets = hex !== undefined
      ? [fromHex(hex, "--hex")]
      : readPcap(parsed.positionals[0]).packets.map((p) => p.data);
  } catch (err) {
    if (err instanceof InputError) {
      console.error(`fama decode: ${err.message}`);
      return 2;
    }
    throw err;
  }
  const core = loadCore();
  const lines: string[] = [];
  for (const packet of packets) {
    const r = decodePacket(core, packet);
    lines.push(JSON.stringify(r));
  }
  if (lines.length) process.stdout.write(lines.join("\n") + "\n");
  return 0;
}
