// The impairment stage's decisions and spec (host/lab/impair.ts) and its tc lines
// (host/lab/impair-wire.ts), without root. The wire itself runs in tests/e2e/load-impair.test.ts.
import { test } from "node:test";
import assert from "node:assert/strict";
import { ImpairDecider, parseImpair, formatImpair } from "../../host/lab/impair.js";
import { wireLines } from "../../host/lab/impair-wire.js";
import { InputError } from "../../host/errors.js";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const run = (spec: string, n: number) => { const d = new ImpairDecider(parseImpair(spec)); return Array.from({ length: n }, () => d.decide()); };

test("same seed, same decisions; another seed, other decisions", () => {
  const a = run("drop=0.3,dup=0.1,reorder=0.1,seed=7", 2000);
  assert.deepEqual(run("drop=0.3,dup=0.1,reorder=0.1,seed=7", 2000), a);
  assert.notDeepEqual(run("drop=0.3,dup=0.1,reorder=0.1,seed=8", 2000), a);
});

test("the shares follow the spec (10,000 frames, within 2 points)", () => {
  const v = run("drop=0.3,dup=0.05,reorder=0.1,seed=42", 10_000);
  const share = (k: string) => v.filter((x) => x === k).length / v.length;
  assert.ok(Math.abs(share("drop") - 0.3) < 0.02, `drop ${share("drop")}`);
  assert.ok(Math.abs(share("dup") - 0.05) < 0.02, `dup ${share("dup")}`);
  assert.ok(Math.abs(share("hold") - 0.1) < 0.02, `hold ${share("hold")}`);
  assert.ok(Math.abs(share("pass") - 0.55) < 0.02, `pass ${share("pass")}`);
});

test("drop=0 passes everything; drop=1 drops everything", () => {
  assert.ok(run("drop=0,seed=3", 500).every((x) => x === "pass"));
  assert.ok(run("drop=1,seed=3", 500).every((x) => x === "drop"));
});

test("parseImpair: defaults, round trip, and clear errors for bad specs", () => {
  assert.deepEqual(parseImpair("drop=0.3,seed=7"), { drop: 0.3, dup: 0, reorder: 0, seed: 7 });
  assert.equal(formatImpair(parseImpair("drop=0.25,dup=0.1,reorder=0.05,seed=9")), "drop=0.25,dup=0.1,reorder=0.05,seed=9");
  for (const bad of ["drop=1.5", "drop=0.6,dup=0.6", "seed=0", "seed=1.5", "loss=0.3", "drop=", "drop=-1", ""]) {
    assert.throws(() => parseImpair(bad), InputError, bad);
  }
});

test("wireLines: signalling (first Next Header 135, 60, 43) to the TAP of its direction, the rest and the TAP's writes to the other end", () => {
  const lines = wireLines("d", "g", "t0a", "t0b");
  for (const nh of [135, 60, 43]) {
    assert.ok(lines.some((l) => l.startsWith("filter add dev d ingress") && l.includes(`match u8 ${nh} 0xff at 6`) && l.endsWith("redirect dev t0a")));
    assert.ok(lines.some((l) => l.startsWith("filter add dev g ingress") && l.includes(`match u8 ${nh} 0xff at 6`) && l.endsWith("redirect dev t0b")));
  }
  assert.ok(lines.includes("filter add dev d ingress pref 20 protocol all u32 match u32 0 0 action mirred egress redirect dev g"));
  assert.ok(lines.includes("filter add dev t0a ingress pref 10 protocol all u32 match u32 0 0 action mirred egress redirect dev g"));
  assert.ok(lines.includes("filter add dev t0b ingress pref 10 protocol all u32 match u32 0 0 action mirred egress redirect dev d"));
});

test("fama lab: a bad --impair spec or --impair without --fixed is a clear error with a non-zero exit, before anything is built", () => {
  const cli = fileURLToPath(new URL("../../host/cli.js", import.meta.url));
  const lab = (...args: string[]) => spawnSync(process.execPath, ["--disable-warning=ExperimentalWarning", cli, "lab", ...args], { encoding: "utf8" });
  const bad = lab("--fixed", "--impair", "drop=2");
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /--impair: drop must be a fraction 0\.\.1, not 2/);
  const roaming = lab("--impair", "drop=0.3,seed=7");
  assert.equal(roaming.status, 2);
  assert.match(roaming.stderr, /--impair needs --fixed/);
});
