// A process that built a lab and then gets SIGINT, or dies of an uncaught exception, leaves no
// namespace behind (NetScope + installSignalCleanup / the exit hook). Root only.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";
import { netnsList, sweepStale } from "../../host/net/ip.js";

const notRoot = process.getuid?.() !== 0 && "needs root (network namespaces)";
const lab = fileURLToPath(new URL("../../host/lab/topology.js", import.meta.url));
const ipjs = fileURLToPath(new URL("../../host/net/ip.js", import.meta.url));

function child(prefix: string, then: "wait" | "throw") {
  const script = `
    import { Topology } from ${JSON.stringify(lab)};
    import { installSignalCleanup } from ${JSON.stringify(ipjs)};
    installSignalCleanup();
    await Topology.build({ prefix: ${JSON.stringify(prefix)}, dars: 2 });
    console.log("ready");
    ${then === "wait" ? "setInterval(() => {}, 1000);" : "setTimeout(() => { throw new Error('crash'); }, 10);"}
  `;
  const p = spawn(process.execPath, ["--input-type=module", "-e", script], { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  p.stdout!.setEncoding("utf8");
  p.stdout!.on("data", (d: string) => { out += d; });
  p.stderr!.setEncoding("utf8");
  p.stderr!.on("data", (d: string) => { out += d; });
  return { p, output: () => out };
}

async function waitFor(cond: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!cond() && Date.now() < end) await new Promise((r) => setTimeout(r, 25));
}

const mine = async (prefix: string) => (await netnsList()).filter((n) => n.startsWith(prefix));

test("SIGINT: the lab is removed and the process exits 130", { skip: notRoot, timeout: 60_000 }, async () => {
  const prefix = `fama-${process.pid}-sig-`;
  const { p, output } = child(prefix, "wait");
  try {
    await waitFor(() => output().includes("ready") || p.exitCode !== null, 30_000);
    assert.match(output(), /ready/);
    assert.equal((await mine(prefix)).length, 6); // cn core dar1 dar2 mn air
    p.kill("SIGINT");
    const [code] = await once(p, "exit");
    assert.equal(code, 130, output());
  } finally {
    if (p.exitCode === null) { p.kill("SIGKILL"); await once(p, "exit"); await sweepStale(prefix); } // SIGKILL cannot clean up
  }
  assert.deepEqual(await mine(prefix), []);
});

test("uncaught exception: the exit hook removes the namespaces", { skip: notRoot, timeout: 60_000 }, async () => {
  const prefix = `fama-${process.pid}-crash-`;
  const { p, output } = child(prefix, "throw");
  const [code] = await once(p, "exit");
  assert.notEqual(code, 0);
  assert.match(output(), /ready[\s\S]*crash/);
  assert.deepEqual(await mine(prefix), []);
});
