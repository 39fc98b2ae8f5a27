// The DAR's cgaBudget / admission / accessInterfaces keys: defaults (daemon and offline),
// every bad value a clear InputError, the UCI spelling, and `fama dar` exiting 1 on them.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseDarConfig, parseDarDaemonConfig } from "../../host/config/dar.js";
import { parseUciDar } from "../../host/config/uci.js";
import { InputError } from "../../host/errors.js";
import { Dar, DarError } from "../../host/core/dar.js";
import { loadCore } from "../../host/wasm.js";

const CLI = fileURLToPath(new URL("../../host/cli.js", import.meta.url));
const BASE = { anchor: "2001:db8:a:1::1", prefixes: ["2001:db8:1::/64"] };

test("defaults: the daemon defers cga work and admits on-link; replay verifies inline and is open", () => {
  const d = parseDarDaemonConfig(BASE);
  assert.deepEqual(d.cgaBudget, { perSecond: 2000, perBatch: 4, queue: 256 });
  assert.deepEqual(d.admission, { mode: "on-link", sightings: 16384, sightingLifetime: 3600, probationLifetime: 60, probationMax: 16384 });
  assert.equal(d.accessInterfaces, null);
  const r = parseDarConfig(BASE);
  assert.deepEqual(r.cgaBudget, { perSecond: 2000, perBatch: 4, queue: 0 });
  assert.equal(r.admission!.mode, "open");
  // probationMax follows the capacity; probationLifetime never exceeds maxLifetime.
  const small = parseDarDaemonConfig({ ...BASE, capacity: 100, maxLifetime: 40 });
  assert.deepEqual([small.admission!.probationMax, small.admission!.probationLifetime], [25, 40]);
  const set = parseDarDaemonConfig({ ...BASE, cgaBudget: { perSecond: 50, perBatch: 1, queue: 8 }, admission: { mode: "open", probationMax: 3 }, accessInterfaces: ["eth1", "br-lan"] });
  assert.deepEqual(set.cgaBudget, { perSecond: 50, perBatch: 1, queue: 8 });
  assert.deepEqual([set.admission!.mode, set.admission!.probationMax], ["open", 3]);
  assert.deepEqual(set.accessInterfaces, ["eth1", "br-lan"]);
});

const bad: [string, Record<string, unknown>, RegExp][] = [
  ["cgaBudget not an object", { cgaBudget: 5 }, /"cgaBudget" must be an object/],
  ["cgaBudget unknown key", { cgaBudget: { perMinute: 1 } }, /"cgaBudget": unknown key "perMinute" \(allowed: perSecond, perBatch, queue\)/],
  ["perSecond 0", { cgaBudget: { perSecond: 0 } }, /"cgaBudget": "perSecond" must be an integer from 1 to 1000000, not 0/],
  ["perBatch 257", { cgaBudget: { perBatch: 257 } }, /"perBatch" must be an integer from 1 to 256, not 257/],
  ["queue negative", { cgaBudget: { queue: -1 } }, /"queue" must be an integer from 0 to 65536, not -1/],
  ["queue a string", { cgaBudget: { queue: "256" } }, /"queue" must be an integer/],
  ["mode misspelt", { admission: { mode: "onlink" } }, /"admission": "mode" must be "on-link" or "open", not "onlink"/],
  ["admission unknown key", { admission: { sighting: 5 } }, /"admission": unknown key "sighting"/],
  ["sightings 0", { admission: { sightings: 0 } }, /"sightings" must be an integer from 1 to 4194304, not 0/],
  ["sightingLifetime 0", { admission: { sightingLifetime: 0 } }, /"sightingLifetime" must be an integer from 1/],
  ["probationLifetime over maxLifetime", { maxLifetime: 600, admission: { probationLifetime: 601 } }, /"probationLifetime" must be an integer from 4 to 600, not 601/],
  ["probationMax over capacity", { capacity: 10, admission: { probationMax: 11 } }, /"probationMax" must be an integer from 1 to 10, not 11/],
  ["accessInterfaces a string", { accessInterfaces: "eth1" }, /"accessInterfaces" must be a non-empty list of Linux interface names/],
  ["accessInterfaces empty", { accessInterfaces: [] }, /"accessInterfaces" must be a non-empty list/],
  ["accessInterfaces a bad name", { accessInterfaces: ["eth 1"] }, /"accessInterfaces" must be a non-empty list/],
];
for (const [what, extra, msg] of bad) {
  test(`config error: ${what}`, () => {
    assert.throws(() => parseDarDaemonConfig({ ...BASE, ...extra }), (e: Error) => e instanceof InputError && msg.test(e.message));
  });
}

test("replay's keys: accessInterfaces is a daemon key, the policy keys are protocol keys", () => {
  assert.throws(() => parseDarConfig({ ...BASE, accessInterfaces: ["eth1"] }), /unknown key "accessInterfaces"/);
  assert.equal(parseDarConfig({ ...BASE, admission: { mode: "on-link" } }).admission!.mode, "on-link");
});

test("the core refuses a policy record out of range itself (a host that skipped the parser)", () => {
  const dar = new Dar(loadCore());
  const cfg = parseDarConfig(BASE);
  assert.throws(() => dar.configure({ ...cfg, cgaBudget: { perSecond: 0, perBatch: 4, queue: 0 } }), (e: Error) => e instanceof DarError && e.code === 12 && /cgaBudget/.test(e.message));
  assert.throws(() => dar.configure({ ...cfg, admission: { ...cfg.admission!, probationLifetime: 2 } }), (e: Error) => e instanceof DarError && e.code === 13);
  dar.configure(cfg); // and the good record still applies
});

test("uci: the flattened options fill the JSON objects; a bad one names its line", () => {
  const GOOD = ["config dar 'd'", "\toption anchor '2001:db8:a:1::1'", "\tlist prefix '2001:db8:1::/64'"];
  const { config } = parseUciDar([...GOOD, "\toption cgaPerSecond 500", "\toption cgaQueue 16", "\toption admission open", "\toption probationLifetime 120", "\tlist accessInterface eth1", "\tlist accessInterface wlan0"].join("\n") + "\n", "f");
  assert.deepEqual(config.cgaBudget, { perSecond: 500, perBatch: 4, queue: 16 });
  assert.deepEqual([config.admission!.mode, config.admission!.probationLifetime], ["open", 120]);
  assert.deepEqual(config.accessInterfaces, ["eth1", "wlan0"]);
  assert.throws(() => parseUciDar([...GOOD, "\toption cgaPerBatch 0"].join("\n") + "\n", "f"), /^InputError: f:4: option 'cgaPerBatch': must be an integer from 1 to 256, not 0$|f:4: option 'cgaPerBatch': must be an integer from 1 to 256, not 0/);
  assert.throws(() => parseUciDar([...GOOD, "\toption admission 'closed'"].join("\n") + "\n", "f"), /f:4: option 'admission': must be "on-link" or "open", not "closed"/);
});

test("fama dar with a bad policy key exits 1 with the reason", () => {
  const dir = mkdtempSync(join(tmpdir(), "fama-policy-"));
  try {
    const path = join(dir, "c.json");
    writeFileSync(path, JSON.stringify({ ...BASE, stateDir: join(dir, "s"), socket: join(dir, "s.sock"), admission: { mode: "strict" } }));
    const r = spawnSync(process.execPath, ["--disable-warning=ExperimentalWarning", CLI, "dar", "--config", path], { encoding: "utf8" });
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, /^fama: .*"admission": "mode" must be "on-link" or "open", not "strict"/);
  } finally { rmSync(dir, { recursive: true, force: true }); }
});
