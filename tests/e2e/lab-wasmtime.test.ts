// `fama lab --runtime wasmtime` (what `npm start -- --runtime wasmtime` runs), as a process
// (root only): the three `fama dar` daemons and the `fama mn` agent it spawns run the core under
// wasmtime (they say so when they start), and the MN's TCP session survives three handovers
// DAR1 -> DAR2 -> DAR3 -> DAR1 with every byte delivered intact. The full lab assertions under
// the default runtime are tests/e2e/lab.test.ts; this one keeps to the runtime's part.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { CLI_JS } from "../../host/lab/daemons.js";
import { netnsList } from "../../host/net/ip.js";
import { LAB_PREFIX } from "../../host/lab/lab.js";
import { noWasmtime } from "../support/runtimes.js";

const notRoot = process.getuid?.() !== 0 && "needs root (network namespaces, TUN devices, tc)";

interface Summary { handovers: { from: number; to: number; latencyMs: number }[]; tcp: { intact: boolean; bytesSent: number; bytesReceived: number } }

test("npm start -- --runtime wasmtime: three handovers, TCP intact, every daemon on wasmtime", { skip: notRoot || noWasmtime, timeout: 150_000 }, async (t) => {
  const child = spawn(process.execPath, ["--disable-warning=ExperimentalWarning", CLI_JS, "lab", "--runtime", "wasmtime", "--json", "--moves", "3", "--dwell-ms", "1000"], { stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "", stderr = "";
  child.stdout.on("data", (d: Buffer) => { stdout += d; });
  child.stderr.on("data", (d: Buffer) => { stderr += d; });
  // A timeout stops the lab the way Ctrl-C does: it removes what it created.
  const guard = setTimeout(() => child.kill("SIGINT"), 140_000);
  const [code] = (await once(child, "exit")) as [number | null];
  clearTimeout(guard);
  for (const line of stderr.trim().split("\n")) t.diagnostic(line);
  assert.equal(code, 0, `fama lab exited ${code}:\n${stderr}`);
  assert.match(stderr, /fama dar answering on its status socket.*, core under wasmtime$/m, "the three DARs run the core under wasmtime");
  assert.match(stderr, /MN agent up \(core under wasmtime\)/, "the MN agent runs the core under wasmtime");
  const summary = JSON.parse(stdout) as Summary;
  assert.deepEqual(summary.handovers.map((h) => `${h.from}->${h.to}`), ["1->2", "2->3", "3->1"]);
  assert.ok(summary.tcp.intact && summary.tcp.bytesReceived > 0 && summary.tcp.bytesReceived === summary.tcp.bytesSent, `TCP session intact: ${JSON.stringify(summary.tcp)}`);
  assert.deepEqual((await netnsList()).filter((n) => n.startsWith(`${LAB_PREFIX}${child.pid}-`)), [], "the lab removed its namespaces");
});
