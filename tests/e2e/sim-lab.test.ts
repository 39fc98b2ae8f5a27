// The simulator against the lab (root): `fama lab --json --moves 1` moves a real MN agent
// from DAR1 to DAR2 while its flows from H_1 go on, with real daemons in namespaces; tshark
// in DAR1's namespace records every Mobility Header message on DAR1's link to the core. The
// two-DAR, one-MN scenario of `fama sim` with the same move (a trace and a topology file)
// must give exactly those messages and bytes at DAR1's anchor; once more with `--coa-test`
// (the DARs require the care-of test: CoTI and CoT before the BU). Three care-of-test lab runs
// in a row with a BU retransmission (a first BU lost on the real links, which the simulator
// does not model) are compared message by message in size and within one extra exchange per
// retransmission; the plain lab must match exactly.
//
// The lab's namespaces are its own (`fama-lab-<its pid>-*`, removed when it exits); this test
// only runs tshark inside DAR1's. A lab run whose BU was retransmitted (a loss on the real
// links, which the simulator does not model; the lab's JSON says so) is run again once.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn, execFileSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CLI_JS } from "../../host/lab/daemons.js";
import { simulate } from "../../host/sim/run.js";
import { scenario, parseTrace } from "../../host/sim/scenario.js";
import { parseTopology } from "../../host/sim/topology.js";

const notRoot = process.getuid?.() !== 0 && "needs root (the lab's network namespaces)";
const noTshark = !existsSync("/usr/bin/tshark") && "needs tshark";
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const LAB_TOPOLOGY = {
  accessDelayMs: 0.05,
  nodes: [
    { id: "core", kind: "router" }, { id: "cn", kind: "internet" }, { id: "ha", kind: "anchor" },
    { id: "dar1", kind: "dar", neighbours: ["dar2"] }, { id: "dar2", kind: "dar", neighbours: ["dar1"] },
  ],
  links: [
    { a: "core", b: "cn", delayMs: 0.05 }, { a: "core", b: "ha", delayMs: 0.05 },
    { a: "core", b: "dar1", delayMs: 0.05 }, { a: "core", b: "dar2", delayMs: 0.05 },
  ],
};
const LAB_TRACE = {
  mns: 1, initial: ["dar1"], moves: [{ t: 5, mn: 0, dar: "dar2" }],
  flows: [{ t: 0, mn: 0, durationS: 60, cn: "internet" }],
};

interface Captured { type: number; bytes: number }

async function labWithCapture(dir: string, coaTest: boolean): Promise<{ summary: any; mh: Captured[] }> {
  const pcap = join(dir, `dar1-${Date.now()}.pcap`);
  const args = ["--disable-warning=ExperimentalWarning", CLI_JS, "lab", "--json", "--moves", "1", ...(coaTest ? ["--coa-test"] : [])];
  const lab = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "", stderr = "";
  lab.stdout.on("data", (d) => { stdout += d; });
  lab.stderr.on("data", (d) => { stderr += d; });
  const exited = new Promise<number>((r) => lab.on("exit", (code) => r(code ?? -1)));
  const ns = `fama-lab-${lab.pid}-dar1`;
  let tshark: ChildProcess | null = null;
  let capturing = false;
  let movedBeforeCapture = false;
  try {
    for (let i = 0; i < 400 && !tshark; i++) {
      await sleep(50);
      try { execFileSync("ip", ["-n", ns, "link", "show", "to-core"], { stdio: "ignore" }); } catch { continue; }
      tshark = spawn("ip", ["netns", "exec", ns, "tshark", "-i", "to-core", "-F", "pcap", "-w", pcap], { stdio: ["ignore", "ignore", "pipe"] });
      tshark.stderr!.on("data", (d: Buffer) => {
        if (d.toString().includes("Capturing on")) { capturing = true; movedBeforeCapture = /move DAR1 -> DAR2/.test(stderr); }
      });
    }
    assert.ok(tshark, `DAR1's namespace ${ns} did not appear: ${stderr.slice(-2000)}`);
    const code = await exited;
    assert.equal(code, 0, `fama lab failed: ${stderr.slice(-3000)}`);
    assert.ok(capturing && !movedBeforeCapture, "tshark was capturing on DAR1's link before the move");
  } finally {
    if (lab.exitCode === null) lab.kill("SIGINT");
    await exited;
    if (tshark && tshark.exitCode === null) { tshark.kill("SIGINT"); await new Promise((r) => tshark!.on("exit", r)); }
  }
  const lines = execFileSync("tshark", ["-r", pcap, "-Y", "mipv6", "-T", "fields", "-e", "mip6.mhtype", "-e", "ipv6.plen"], { encoding: "utf8" })
    .split("\n").filter(Boolean);
  const mh = lines.map((l) => { const [t, plen] = l.split("\t"); return { type: Number(t), bytes: 40 + Number(plen!.split(",")[0]) }; });
  return { summary: JSON.parse(stdout), mh };
}

const TYPES: Record<number, string> = { 2: "coti", 4: "cot", 5: "bu", 6: "ba" };

for (const coaTest of [false, true]) {
  const name = coaTest ? "with the care-of test (CoTI, CoT, BU, BA)" : "(BU, BA)";
  test(`two DARs, one MN ${name}: the simulator's signaling at DAR1 is the lab's, every message's size and (with no BU retransmitted in the lab) the counts and bytes exactly`, { skip: notRoot || noTshark, timeout: 240_000 }, async (t) => {
    const dir = mkdtempSync(join(tmpdir(), "fama-sim-lab-"));
    try {
      // up to three lab runs for one without a BU retransmission (LAB.md: with the care-of
      // test, the MN's kernel sometimes holds the first packets from a new CoA for 1 s)
      let lab = await labWithCapture(dir, coaTest);
      const retx = (l: typeof lab) => l.summary.handovers[0]?.retransmissions ?? 0;
      for (let i = 0; i < 2 && retx(lab) > 0; i++) lab = await labWithCapture(dir, coaTest);
      const h = lab.summary.handovers[0];
      assert.equal(lab.summary.handovers.length, 1);
      assert.equal(h.mode, "cga", "the lab's one handover: H_1 kept at DAR1 with a cga-mode BU");

      const topology = parseTopology(JSON.stringify(LAB_TOPOLOGY));
      const trace = parseTrace(JSON.stringify(LAB_TRACE), topology);
      const sim = simulate(scenario({ topology, trace, durationS: 20, keyBits: 2048, keys: 1, coaTest }), ["fama"]);
      const dar1 = sim.runs[0]!.metrics.anchorTable()[0]!;
      const byType = sim.runs[0]!.summary.signaling.byType;
      t.diagnostic(`lab at DAR1 (${h.retransmissions} BU retransmissions): ${JSON.stringify(lab.mh)}; simulator: ${JSON.stringify(byType)}`);
      const simBytes: Record<number, number | undefined> = { 2: byType["coti"]?.bytes, 4: byType["cot"]?.bytes, 5: byType["bu-cga"]?.bytes, 6: byType["ba-status0"]?.bytes };
      for (const m of lab.mh) assert.equal(m.bytes, simBytes[m.type], `a ${TYPES[m.type] ?? m.type} of the lab has the simulator's size`);
      const kinds = [...new Set(lab.mh.map((m) => TYPES[m.type] ?? `type${m.type}`))].sort();
      assert.deepEqual(kinds, coaTest ? ["ba", "bu", "cot", "coti"] : ["ba", "bu"], "the lab's kinds of messages at DAR1");
      if (h.retransmissions === 0) {
        assert.equal(dar1.signalingMsgs, lab.mh.length, "messages");
        assert.equal(dar1.signalingBytes, lab.mh.reduce((s, m) => s + m.bytes, 0), "bytes");
      } else {
        // three runs in a row lost a first exchange on the real links: each retransmission adds
        // at most one exchange of the same messages at DAR1
        assert.ok(coaTest, "the plain lab runs without retransmissions");
        assert.ok(lab.mh.length >= dar1.signalingMsgs && lab.mh.length <= dar1.signalingMsgs * (1 + h.retransmissions), `messages: ${lab.mh.length}`);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}
