// The core under wasmtime (Cranelift, through the C API and koffi) against node:wasi (V8), the
// same work in the same run, interleaved: the "ours" column is wasmtime, the baseline V8, the
// ratio wasmtime/V8 (higher is better for rates; for costs the table says which way).
// Rows: MH parse, SHA-1 64 B and 8 KiB, RSA-1024/2048 verification, CGA Sec 1 search,
// process_batch encapsulation at 100k and 1M bindings (batch 256 and 1), phkt- and cga-mode
// BUs/s; then the price of the boundary and of starting: one empty export call (wasmtime's
// unchecked and checked calls against a direct V8 call), compiling the module (and loading
// wasmtime's serialized artifact), a process's start to its first decoded packet, and RSS.
// Targets (from a prototype): batch 256 >= 0.9x of V8, crypto >= 0.75x, an empty call
// <= 150 ns, a start with the cached artifact within 50 ms of V8's.
import crypto from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { spawnSync } from "node:child_process";
import { loadCore, RELEASE_WASM, type Core, type RuntimeName } from "../host/wasm.js";
import { wasmtimeEngine, wat2wasm } from "../host/runtime/wasmtime.js";
import { Dar } from "../host/core/dar.js";
import { decodePacket } from "../host/core/mh.js";
import { cryptoExports, rsaPublicKeyOf, rsaVerifyMessage } from "../host/core/crypto.js";
import { cgaSearchAttempts, cgaSearchStart, cgaSearchStep } from "../host/core/cga.js";
import { loadPrivateKey } from "../host/keys.js";
import { readPcap } from "../host/pcap.js";
import { REPO_ROOT, VECTORS_DIR } from "../host/paths.js";
import { compareRates, median, printTable, type Row } from "./harness.js";
import { configFor, cpuRates, fill, prepare } from "./forward.bench.js";
import { cgaSetup, phktSetup } from "./dar.bench.js";

const V8 = "node:wasi (V8)";
const BOTH: RuntimeName[] = ["wasmtime", "node"];
let sink = 0;

/** Rates of the same work under both runtimes: [wasmtime, node]. */
function pair(make: (core: Core) => (iters: number) => void, unitsPerIter = 1, rounds = 5): [number, number] {
  const cases = BOTH.map((rt) => ({ name: rt, run: make(loadCore(undefined, { runtime: rt })), unitsPerIter }));
  const [w, n] = compareRates(cases, { rounds, runMs: 200 });
  return [w!, n!];
}

function row(test: string, [w, n]: [number, number], unit: string, target?: number): Row {
  return { test, ours: w, oursName: "wasmtime", baseline: n, baselineName: V8, unit, ...(target ? { target } : {}) };
}

function computeRows(rows: Row[]): void {
  // MH parse: decodePacket of a BU (copy in, mh_decode, read the record).
  const bu = readPcap(join(VECTORS_DIR, "mh", "valid.pcap")).packets.map((p) => p.data).find((p) => p.length > 100)!;
  rows.push(row("MH parse (decodePacket of a BU)", pair((core) => (it) => { for (let i = 0; i < it; i++) sink ^= decodePacket(core, bu).ok ? 1 : 0; }), "pkt/s"));

  // SHA-1: 1024 64-byte messages in one call; one 8 KiB input.
  const msgs = crypto.randomBytes(1024 * 64), big = crypto.randomBytes(8192);
  rows.push(row("SHA-1 64 B (1024 messages, one call)", pair((core) => {
    const ex = cryptoExports(core);
    const at = core.copyIn(msgs), out = ex.alloc(1024 * 20);
    return (it) => { for (let i = 0; i < it; i++) ex.sha1_digest_many(at, 64, 64, 1024, out); };
  }, 1024), "msg/s", 0.75));
  rows.push(row("SHA-1 8 KiB", pair((core) => {
    const ex = cryptoExports(core);
    const at = core.copyIn(big), out = ex.alloc(20);
    return (it) => { for (let i = 0; i < it; i++) ex.sha1_digest(at, 8192, out); };
  }, 8192 / 1e6), "MB/s", 0.75));

  for (const bits of [1024, 2048] as const) {
    const key = loadPrivateKey(join(VECTORS_DIR, "keys", bits === 1024 ? "mn-a-rsa1024.pem" : "mn-b-rsa2048.pem"));
    const pub = rsaPublicKeyOf(key), msg = crypto.randomBytes(100), sig = crypto.sign("sha1", msg, key);
    rows.push(row(`RSA-${bits} verify`, pair((core) => {
      if (rsaVerifyMessage(core, pub, msg, sig) !== 0) throw new Error("RSA self-check failed");
      return (it) => { for (let i = 0; i < it; i++) sink ^= rsaVerifyMessage(core, pub, msg, sig); };
    }, 1, 3), "verify/s", 0.75));
  }

  // CGA Sec 1 search, RSA-2048: the same 4 starting modifiers under both, so the same attempts.
  const spki = new Uint8Array(crypto.createPublicKey(loadPrivateKey(join(VECTORS_DIR, "keys", "mn-b-rsa2048.pem"))).export({ type: "spki", format: "der" }));
  const starts = Array.from({ length: 4 }, () => new Uint8Array(crypto.randomBytes(16)));
  let attempts = 0;
  rows.push(row("CGA Sec 1 search, RSA-2048 (attempts/s)", pair((core) => (it) => {
    for (let i = 0; i < it; i++) {
      for (const modifier of starts) {
        cgaSearchStart(core, { modifier, spki, sec: 1 });
        while (!cgaSearchStep(core, 1 << 16)) { /* until found */ }
        attempts = cgaSearchAttempts(core);
      }
    }
  }, 1, 3).map((searchesPerSec) => searchesPerSec * attempts) as [number, number], "attempts/s", 0.75));

  // process_batch encapsulation, 64-byte packets: per CPU-second (bench/forward.bench.ts's method).
  for (const n of [100_000, 1_000_000]) {
    const dars = BOTH.map((rt) => { const d = new Dar(loadCore(undefined, { runtime: rt })); d.configure(configFor(n)); fill(d, n); return d; });
    const rnd = new Uint32Array(1 << 20);
    for (let i = 0; i < rnd.length; i++) rnd[i] = Math.floor(Math.random() * n);
    for (const batch of [256, 1]) {
      const cases = dars.map((dar, i) => {
        const refresh = prepare(dar, "encap", 64, n, rnd);
        return { name: BOTH[i]!, unitsPerIter: batch, run: (iters: number) => { for (let k = 0; k < iters; k++) { refresh(batch); sink += dar.process(batch, 1000); } } };
      });
      const [w, v] = cpuRates(cases, 3, batch === 256 ? 300_000 : 100_000);
      rows.push(row(`process_batch encap 64 B, ${n / 1000}k bindings, batch ${batch}`, [w!, v!], "pkt/s", batch === 256 ? 0.9 : undefined));
    }
    if (dars.some((d) => d.counter("encap") === 0n)) throw new Error("encapsulation bench sent nothing");
  }

  // Binding Updates per second (bench/dar.bench.ts's feeders), batch 1.
  const feeders = (make: (rt: RuntimeName) => ReturnType<typeof phktSetup>) => BOTH.map(make);
  const buRow = (name: string, fs: ReturnType<typeof phktSetup>[], rounds: number) => {
    const marks = fs.map((f) => f.mark());
    const [w, v] = compareRates(fs.map((f, i) => ({ name: BOTH[i]!, run: (it: number) => f.run(1, it) })), { rounds, runMs: 200 });
    fs.forEach((f, i) => f.check(`${name} under ${BOTH[i]}`, marks[i]!));
    rows.push(row(name, [w!, v!], "BU/s"));
  };
  buRow("phkt-mode BU (accepted, BA + BAD)", feeders((rt) => phktSetup(rt)), 5);
  const key2048 = loadPrivateKey(join(VECTORS_DIR, "keys", "mn-b-rsa2048.pem"));
  buRow("cga-mode BU, RSA-2048 (accepted, PHKT encrypted)", feeders((rt) => cgaSetup(key2048, rt)), 3);
}

/** ns per call of an empty export: V8 direct, wasmtime unchecked, wasmtime checked. */
function emptyCalls(): { v8: number; unchecked: number; checked: number } {
  const wasm = wat2wasm(`(module (func (export "nop")))`);
  const v8 = (new WebAssembly.Instance(new WebAssembly.Module(wasm as Uint8Array<ArrayBuffer>)).exports.nop as () => void);
  const engine = wasmtimeEngine();
  const inst = engine.instantiate(engine.compile(wasm));
  const unchecked = inst.exports.nop as () => void;
  const N = 100_000;
  const rates = compareRates([
    { name: "v8", run: (it) => { for (let i = 0; i < it; i++) for (let j = 0; j < N; j++) v8(); }, unitsPerIter: N },
    { name: "unchecked", run: (it) => { for (let i = 0; i < it; i++) for (let j = 0; j < N; j++) unchecked(); }, unitsPerIter: N },
    { name: "checked", run: (it) => { for (let i = 0; i < it; i++) for (let j = 0; j < N; j++) inst.callChecked("nop"); }, unitsPerIter: N },
  ], { rounds: 5, runMs: 200 });
  const [a, b, c] = rates.map((r) => 1e9 / r);
  return { v8: a!, unchecked: b!, checked: c! };
}

/** Compile times, ms (median of 5): V8's WebAssembly.Module, Cranelift, loading the artifact. */
function compileTimes(): { v8: number; cranelift: number; artifact: number; artifactBytes: number } {
  const wasm = readFileSync(RELEASE_WASM);
  const engine = wasmtimeEngine();
  const ms = (f: () => void) => median(Array.from({ length: 5 }, () => { const t = performance.now(); f(); return performance.now() - t; }));
  const artifact = engine.serialize(engine.compile(wasm));
  return {
    v8: ms(() => new WebAssembly.Module(wasm)),
    cranelift: ms(() => engine.compile(wasm)),
    artifact: ms(() => engine.deserialize(artifact)),
    artifactBytes: artifact.length,
  };
}

const CHILD = `
const t0 = performance.now();
const { loadCore } = await import(process.argv[1]);
const { Dar } = await import(process.argv[2]);
const { configFor, fill } = await import(process.argv[3]);
const dar = new Dar(loadCore(undefined, { runtime: process.argv[4] }));
dar.configure(configFor(100000)); fill(dar, 100000);
process.stdout.write(JSON.stringify({ startMs: performance.now() - t0, rss: process.memoryUsage().rss }));`;

/** A fresh process: loading the core and a DAR with 100k bindings (ms), and its RSS then. */
function processFigures(rt: RuntimeName): { startMs: number; wallMs: number; rssMb: number } {
  const js = (p: string) => join(REPO_ROOT, "build/js", p);
  const runs = Array.from({ length: 5 }, () => {
    const t = performance.now();
    const r = spawnSync(process.execPath, ["--disable-warning=ExperimentalWarning", "--input-type=module", "-e", CHILD,
      js("host/wasm.js"), js("host/core/dar.js"), js("bench/forward.bench.js"), rt], { encoding: "utf8" });
    if (r.status !== 0) throw new Error(`child under ${rt}: ${r.stderr}`);
    const o = JSON.parse(r.stdout) as { startMs: number; rss: number };
    return { startMs: o.startMs, wallMs: performance.now() - t, rssMb: o.rss / 2 ** 20 };
  });
  return { startMs: median(runs.map((x) => x.startMs)), wallMs: median(runs.map((x) => x.wallMs)), rssMb: median(runs.map((x) => x.rssMb)) };
}

export async function run(): Promise<void> {
  const rows: Row[] = [];
  computeRows(rows);
  const head = ["test", "wasmtime", "node:wasi (V8)", "ratio", "target"];
  printTable("The core under wasmtime vs node:wasi (V8): rates, same work, same run (ratio = wasmtime / V8)", rows, head);

  const calls = emptyCalls();
  const compile = compileTimes();
  loadCore(undefined, { runtime: "wasmtime" }); // the cached artifact exists for the children
  const [w, v] = [processFigures("wasmtime"), processFigures("node")];
  const costs: Row[] = [
    { test: "empty export call, wasmtime_func_call_unchecked (ns, target <= 150)", ours: calls.unchecked, oursName: "wasmtime", baseline: calls.v8, baselineName: "V8 direct call", unit: "ns" },
    { test: "empty export call, wasmtime_func_call (checked) (ns)", ours: calls.checked, oursName: "wasmtime", baseline: calls.v8, baselineName: "V8 direct call", unit: "ns" },
    { test: "compile fama.wasm (ms): Cranelift vs V8 new WebAssembly.Module (lazy tiers)", ours: compile.cranelift, oursName: "Cranelift", baseline: compile.v8, baselineName: "V8", unit: "ms" },
    { test: `load the serialized artifact (${(compile.artifactBytes / 1024).toFixed(0)} KiB) (ms)`, ours: compile.artifact, oursName: "deserialize", baseline: compile.v8, baselineName: "V8 compile", unit: "ms" },
    { test: "process: import host, load core, DAR with 100k bindings (ms, cached artifact)", ours: w.startMs, oursName: "wasmtime", baseline: v.startMs, baselineName: V8, unit: "ms" },
    { test: "process: spawn to exit, same work (ms)", ours: w.wallMs, oursName: "wasmtime", baseline: v.wallMs, baselineName: V8, unit: "ms" },
    { test: "process RSS after that (MiB)", ours: w.rssMb, oursName: "wasmtime", baseline: v.rssMb, baselineName: V8, unit: "MiB" },
  ];
  printTable("Costs (lower is better; ratio = wasmtime / V8)", costs, head);
  const startDelta = w.startMs - v.startMs;
  console.log(`- empty call: unchecked ${calls.unchecked.toFixed(0)} ns (target <= 150: ${calls.unchecked <= 150 ? "met" : "MISSED"}), checked ${calls.checked.toFixed(0)} ns, V8 ${calls.v8.toFixed(1)} ns`);
  console.log(`- start with the cached artifact: ${startDelta >= 0 ? "+" : ""}${startDelta.toFixed(0)} ms against V8 (target within 50 ms: ${startDelta <= 50 ? "met" : "MISSED"}); RSS ${(w.rssMb - v.rssMb).toFixed(0)} MiB more under wasmtime`);
  void sink;
}
