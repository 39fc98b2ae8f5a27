// `fama sim` as a user runs it: JSON output with both schemes, plots written, and bad input
// (options, topology and trace files) answered with a message naming the problem and a
// non-zero exit, never a stack trace.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CLI_JS } from "../../host/lab/daemons.js";

function sim(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ["--disable-warning=ExperimentalWarning", CLI_JS, "sim", ...args], { encoding: "utf8", timeout: 120_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

test("fama sim --json: both schemes on the same handovers and traffic; --svg writes the plots", () => {
  const dir = mkdtempSync(join(tmpdir(), "fama-sim-cli-"));
  try {
    const r = sim("--mns", "20", "--dars", "16", "--duration-s", "30", "--key-bits", "1024", "--keys", "1", "--json", "--svg", dir);
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.deepEqual(Object.keys(out.runs), ["fama", "central"]);
    assert.equal(out.runs.fama.handovers, out.runs.central.handovers);
    assert.equal(out.runs.fama.data.sent, out.runs.central.data.sent);
    assert.deepEqual(readdirSync(dir).sort(), ["anchor-load.svg", "signaling.svg", "stretch-cdf.svg"]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("fama sim: bad options and files get a clear message and a non-zero exit", () => {
  const dir = mkdtempSync(join(tmpdir(), "fama-sim-cli-"));
  try {
    const topo = join(dir, "topo.json");
    const trace = join(dir, "trace.json");
    const cases: [string[], number, RegExp][] = [
      [["--dars", "10"], 1, /power of 4/],
      [["--mns", "0"], 2, /--mns must be between 1/],
      [["--local-fraction", "2"], 2, /--local-fraction must be a number from 0 to 1/],
      [["--scheme", "pmip"], 2, /--scheme must be fama, central or both/],
      [["--bogus"], 2, /unknown option --bogus/],
      [["--topology", join(dir, "missing.json")], 1, /no such file/],
    ];
    for (const [args, status, message] of cases) {
      const r = sim(...args);
      assert.equal(r.status, status, `${args.join(" ")}: ${r.stderr}`);
      assert.match(r.stderr, message, args.join(" "));
      assert.doesNotMatch(r.stderr, /\n\s+at /, "no stack trace");
    }
    writeFileSync(topo, JSON.stringify({ nodes: [{ id: "d", kind: "dar" }, { id: "i", kind: "internet" }], links: [] }));
    assert.match(sim("--topology", topo).stderr, /exactly one node of kind anchor/);
    writeFileSync(topo, JSON.stringify({ nodes: [{ id: "d", kind: "dar" }, { id: "i", kind: "internet" }, { id: "a", kind: "anchor" }], links: [{ a: "d", b: "i", delayMs: 1 }] }));
    assert.match(sim("--topology", topo).stderr, /node "a" is not connected/);
    writeFileSync(topo, JSON.stringify({ nodes: [{ id: "d", kind: "dar" }, { id: "i", kind: "internet" }, { id: "a", kind: "anchor" }], links: [{ a: "d", b: "i", delayMs: 1 }, { a: "d", b: "a", delayMs: -1 }] }));
    assert.match(sim("--topology", topo).stderr, /links\[1\]\.delayMs must be a number of ms from 0 to 10000/);
    writeFileSync(topo, JSON.stringify({ nodes: [{ id: "d", kind: "dar" }, { id: "i", kind: "internet" }, { id: "a", kind: "anchor" }], links: [{ a: "d", b: "i", delayMs: 1 }, { a: "d", b: "a", delayMs: 1 }] }));
    writeFileSync(trace, JSON.stringify({ mns: 1, initial: ["d"], moves: [{ t: 1, mn: 3, dar: "d" }] }));
    assert.match(sim("--topology", topo, "--trace", trace).stderr, /moves\[0\]: mn must be an integer from 0 to 0/);
    writeFileSync(trace, "{ not json");
    const r = sim("--topology", topo, "--trace", trace);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /trace\.json: not JSON/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
