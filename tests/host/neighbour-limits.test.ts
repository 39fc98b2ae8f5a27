// The kernel's neighbour table limits (host/net/neighbour-limits.ts) under a /proc root made
// here: read, raised (never lowered) and restored; and the DAR's start warning about them
// (host/dar/sightings.ts warnNeighbourLimits). As root, the real files: present in the root
// network namespace, absent in a namespace made here.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readNeighbourLimits, writeNeighbourLimits, raiseNeighbourLimits } from "../../host/net/neighbour-limits.js";
import { warnNeighbourLimits } from "../../host/dar/sightings.js";
import { inNamespace } from "../../host/net/netlink.js";
import { Logger } from "../../host/log.js";
import { withNetScope } from "../support/net-scope.js";

const notRoot = process.getuid?.() !== 0 && "needs root (a network namespace)";

/** A /proc root holding sys/net/ipv6/neigh/default/gc_thresh1-3 with `values`. */
function withProc(values: readonly string[], body: (root: string, file: (n: number) => string) => void): void {
  const root = mkdtempSync(join(tmpdir(), "fama-proc-"));
  try {
    const dir = join(root, "sys/net/ipv6/neigh/default");
    mkdirSync(dir, { recursive: true });
    values.forEach((v, i) => writeFileSync(join(dir, `gc_thresh${i + 1}`), v));
    body(root, (n) => readFileSync(join(dir, `gc_thresh${n}`), "utf8").trim());
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

function logged(fn: (log: Logger) => void): Record<string, unknown>[] {
  const lines: string[] = [];
  fn(new Logger({ format: "json", write: (l) => lines.push(l) }));
  return lines.map((l) => JSON.parse(l) as Record<string, unknown>);
}

test("neighbour limits: read, raised to at least the asked ones without lowering any, restored", () => {
  withProc(["128\n", "512\n", "1024\n"], (root, file) => {
    assert.deepEqual(readNeighbourLimits(root), { gcThresh1: 128, gcThresh2: 512, gcThresh3: 1024 });
    const was = raiseNeighbourLimits({ gcThresh1: 64, gcThresh2: 20000, gcThresh3: 40000 }, root);
    assert.deepEqual(was, { gcThresh1: 128, gcThresh2: 512, gcThresh3: 1024 });
    assert.deepEqual([file(1), file(2), file(3)], ["128", "20000", "40000"], "gc_thresh1 not lowered");
    writeNeighbourLimits(was, root);
    assert.deepEqual(readNeighbourLimits(root), was);
  });
});

test("neighbour limits: a missing file or one that is not a number reads as unknown; raising then throws", () => {
  withProc(["128", "512"], (root) => {
    assert.equal(readNeighbourLimits(root), null);
    assert.throws(() => raiseNeighbourLimits({ gcThresh1: 1, gcThresh2: 1, gcThresh3: 1 }, root), /root network namespace/);
  });
  withProc(["128", "512", "lots"], (root) => assert.equal(readNeighbourLimits(root), null));
});

test("DAR start: neighbour_table_small when gc_thresh3 is below the sightings capacity, nothing when not, limits_unknown when unread", () => {
  withProc(["128", "512", "1024"], (root) => {
    const lines = logged((log) => warnNeighbourLimits(log, 16384, readNeighbourLimits(root)));
    assert.equal(lines.length, 1);
    assert.equal(lines[0]!.event, "sightings.neighbour_table_small");
    assert.equal(lines[0]!.level, "warn");
    assert.equal(lines[0]!.gcThresh3, 1024);
    assert.equal(lines[0]!.gcThresh1, 128);
    assert.equal(lines[0]!.sightingsCapacity, 16384);
    assert.match(String(lines[0]!.hint), /raise net\.ipv6\.neigh\.default\.gc_thresh3.*number of MNs expected/);
  });
  withProc(["128", "512", "16384"], (root) => {
    assert.deepEqual(logged((log) => warnNeighbourLimits(log, 16384, readNeighbourLimits(root))), []);
  });
  const unknown = logged((log) => assert.equal(warnNeighbourLimits(log, 16384, null), null));
  assert.equal(unknown.length, 1);
  assert.equal(unknown[0]!.event, "sightings.neighbour_limits_unknown");
  assert.equal(unknown[0]!.sightingsCapacity, 16384);
});

test("neighbour limits of this kernel: readable in the root namespace, absent in another", { skip: notRoot, timeout: 30_000 }, async () => {
  const ns = `fama-nlim-${process.pid}`;
  await withNetScope("fama-nlim", [ns], async (scope) => {
    await scope.netns(ns);
    const inside = inNamespace(ns, () => readNeighbourLimits());
    assert.equal(inside, null, "a namespace other than the root has no gc_thresh files");
  });
  // here: what sysctl(8) says, when this namespace has them (the root one)
  const sysctl = (n: number) => Number(execFileSync("sysctl", ["-n", `net.ipv6.neigh.default.gc_thresh${n}`], { encoding: "utf8" }).trim());
  const expected = existsSync("/proc/sys/net/ipv6/neigh/default/gc_thresh3") ? { gcThresh1: sysctl(1), gcThresh2: sysctl(2), gcThresh3: sysctl(3) } : null;
  assert.deepEqual(readNeighbourLimits(), expected);
});
