// Mobility Header parse throughput, in-process: the packet is copied into linear memory once,
// then `mh_decode(ptr, len)` is called in a loop from JS, so the figure is the parser plus the
// JS -> Wasm call. Messages come from the vector set (real RSA-2048 CGA material):
//   * BU, cga mode, RSA-2048: CGA Parameters 255+64, Signature 255+1, Nonce Indices, BAD
//   * BA 0 for it: PHKT 255+1 (RSA-2048), BAD
//   * BA 0, phkt mode: PadN, BAD
// beside the floor of the same loop: an empty input, refused at once (the JS -> Wasm call).
// Cases are timed interleaved, medians of alternating rounds (bench/harness.ts).
// Also reports the size of the release module (build/fama.wasm).
import { statSync } from "node:fs";
import { join } from "node:path";
import { loadCore, RELEASE_WASM } from "../host/wasm.js";
import { readPcap } from "../host/pcap.js";
import { VECTORS_DIR } from "../host/paths.js";
import { compareRates, printTable } from "./harness.js";

// valid.jsonl lines (1-based) of the messages measured.
const CASES = [
  { name: "BU cga RSA-2048 (CGA 255+64, Sig 255+1, NI, BAD)", line: 2 },
  { name: "BA 0 cga (PHKT 255+1, BAD)", line: 22 },
  { name: "BA 0 phkt (BAD only)", line: 24 },
];

export async function run(): Promise<void> {
  const core = loadCore();
  const decode = (core.exports as unknown as Record<string, (p: number, l: number) => number>).mh_decode;
  const packets = readPcap(join(VECTORS_DIR, "mh", "valid.pcap")).packets;

  const empty = core.copyIn(new Uint8Array(1));
  const emptyRc = decode(empty, 0);
  const inputs = CASES.map((c) => {
    const data = packets[c.line - 1].data;
    const ptr = core.copyIn(data);
    const rc = decode(ptr, data.length);
    if (rc !== 0) throw new Error(`${c.name}: mh_decode returned ${rc}`);
    return { ...c, ptr, len: data.length };
  });
  let bad = 0;
  const rates = compareRates([
    ...inputs.map((c) => ({ name: c.name, run: (it: number) => { for (let i = 0; i < it; i++) bad |= decode(c.ptr, c.len); } })),
    { name: "empty input", run: (it: number) => { for (let i = 0; i < it; i++) bad |= decode(empty, 0) ^ emptyRc; } },
  ]);
  if (bad !== 0) throw new Error("mh_decode result changed while timing");
  const floor = rates[inputs.length];
  printTable("MH parse: mh_decode from JS, packet copied into linear memory once", inputs.map((c, i) => ({
    test: `${c.name}, ${c.len} B`, ours: rates[i], baseline: floor, baselineName: "empty input: call overhead", unit: "msg/s",
  })));
  const size = statSync(RELEASE_WASM).size;
  console.log(`\nrelease module build/fama.wasm: ${size} bytes (${(size / 1024).toFixed(1)} KiB)`);
}
