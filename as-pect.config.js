// as-pect runs the AssemblyScript unit specs in tests/assembly/.
// Specs that reach WASI (random_get, clock_time_get) get a real node:wasi host.
import { WASI } from "node:wasi";

export default {
  // FAMA_SPEC_FILTER (set by tests/run.ts) narrows the run to spec files whose name contains it.
  entries: [`tests/assembly/**/*${process.env.FAMA_SPEC_FILTER ?? ""}*.spec.ts`],
  include: [],
  disclude: [/node_modules/],
  async instantiate(memory, createImports, instantiate, binary) {
    const wasi = new WASI({ version: "preview1", args: [], env: { FAMA: "1" } });
    const imports = createImports({ env: { memory }, wasi_snapshot_preview1: wasi.wasiImport });
    const result = await instantiate(binary, imports);
    // node:wasi needs the instance's memory before any call; the spec module exports
    // _start (for as-pect), which wasi.initialize refuses, so hand it the memory alone.
    wasi.initialize({ exports: { memory: (result.instance ?? result).exports.memory } });
    return result;
  },
  outputBinary: false,
};
