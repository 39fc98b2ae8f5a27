// The MN agent's pieces that need no root: strict config parsing, the keep policy's evidence
// (/proc/net socket tables, idle/grace rules), the state file round trip and the tc redirect
// lines built from the core's divert list.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseMnConfig, MN_DEFAULTS } from "../../host/config/mn.js";
import { socketAddresses, procAddress, stillNeeded } from "../../host/mn/keep.js";
import { readMnState, writeMnState } from "../../host/mn/state.js";
import { redirectBatch } from "../../host/mn/addresses.js";
import { loadCore } from "../../host/wasm.js";
import { Mn } from "../../host/core/mn.js";
import { InputError } from "../../host/errors.js";

const IF = { name: "acc1", prefix: "2001:db8:1::/64", anchor: "2001:db8:a:1::1", gateway: "2001:db8:1::1" };
const BASE = { key: "/k", state: "/s", interfaces: [IF] };

test("config: defaults", () => {
  const c = parseMnConfig(BASE);
  assert.equal(c.sec, 1);
  assert.equal(c.initialTimeoutMs, 250);
  assert.equal(c.tun, MN_DEFAULTS.tun);
  assert.deepEqual(c.keep, { ...MN_DEFAULTS.keep });
  assert.equal(c.interfaces[0]!.coaTest, false);
  assert.equal(c.interfaces[0]!.prefix.length, 64);
});

const badConfigs: [Record<string, unknown>, RegExp][] = [
  [{ ...BASE, extra: 1 }, /unknown key "extra"/],
  [{ ...BASE, sec: 8 }, /"sec" must be an integer from 0 to 7/],
  [{ ...BASE, initialTimeoutMs: 5 }, /initialTimeoutMs/],
  [{ ...BASE, lifetime: 1e6 }, /lifetime/],
  [{ ...BASE, key: "" }, /"key"/],
  [{ state: "/s", interfaces: [IF] }, /"key" must be a non-empty string and is required/],
  [{ ...BASE, interfaces: [] }, /"interfaces"/],
  [{ ...BASE, interfaces: [{ ...IF, prefix: "2001:db8:1::/48" }] }, /must be a \/64/],
  [{ ...BASE, interfaces: [{ ...IF, anchor: "ff02::1" }] }, /unicast/],
  [{ ...BASE, interfaces: [{ ...IF, gateway: "nope" }] }, /not an IPv6 address/],
  [{ ...BASE, interfaces: [{ ...IF, coaTest: "yes" }] }, /coaTest/],
  [{ ...BASE, interfaces: [{ ...IF, mtu: 1 }] }, /unknown key "mtu"/],
  [{ ...BASE, interfaces: [IF, IF] }, /listed twice/],
  [{ ...BASE, tun: "acc1" }, /also an access interface/],
  [{ ...BASE, keep: { idleTimeoutS: 0 } }, /idleTimeoutS/],
  [{ ...BASE, keep: { sockets: 1 } }, /"sockets" must be true or false/],
  [{ ...BASE, keep: { other: 1 } }, /unknown key "other"/],
];
/** What a bad config changes from BASE, for the test's name. */
function changeFromBase(json: Record<string, unknown>): string {
  const base: Record<string, unknown> = BASE;
  const changed = Object.keys(json).filter((k) => json[k] !== base[k]).map((k) => `${k} ${JSON.stringify(json[k])}`);
  const missing = Object.keys(base).filter((k) => !(k in json)).map((k) => `no ${k}`);
  return [...changed, ...missing].join(", ");
}
for (const [json, re] of badConfigs) {
  test(`config: ${changeFromBase(json)} is a clear error`, () => {
    assert.throws(() => parseMnConfig(json), (e: unknown) => e instanceof InputError && re.test((e as Error).message), JSON.stringify(json));
  });
}

test("keep: /proc/net/{tcp,udp}6 local addresses, LISTEN excluded unless asked, wildcard ignored", () => {
  assert.equal(procAddress("B80D0120000001000000000001000000"), "2001:db8:1::1");
  assert.equal(procAddress("00000000000000000000000001000000"), "::1");
  const tcp6 = [
    "  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode",
    "   0: B80D0120000001000000000001000000:1B58 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1 1",
    "   1: B80D0120000002000000000001000000:C350 B80D012000000C000000000002000000:1B58 01 00000000:00000000 00:00000000 00000000     0        0 2 1",
    "   2: 00000000000000000000000000000000:0016 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 3 1",
  ].join("\n");
  assert.deepEqual([...socketAddresses(tcp6, { tcp: true, listening: false })], ["2001:db8:2::1"]);
  assert.deepEqual([...socketAddresses(tcp6, { tcp: true, listening: true })].sort(), ["2001:db8:1::1", "2001:db8:2::1", "::"]);
});

test("keep: pinned, open socket, recent flow, grace period after leaving; else released", () => {
  const pins = new Set(["2001:db8:1::a"]);
  const sockets = new Set(["2001:db8:1::b"]);
  const now = 1_000_000;
  const s = (hoa: string, lastActivity: number, leftAt: number) => ({ hoa, lastActivity, leftAt });
  assert.equal(stillNeeded(s("2001:db8:1::a", 0, 0), now, 60, pins, sockets).why, "pinned");
  assert.equal(stillNeeded(s("2001:db8:1::b", 0, 0), now, 60, pins, sockets).why, "open socket");
  assert.equal(stillNeeded(s("2001:db8:1::c", now - 10_000, now - 50_000), now, 60, pins, sockets).why, "recent flow");
  assert.equal(stillNeeded(s("2001:db8:1::c", 0, now - 50_000), now, 60, pins, sockets).why, "grace period");
  assert.equal(stillNeeded(s("2001:db8:1::c", now - 61_000, now - 70_000), now, 60, pins, sockets).keep, false);
  assert.equal(stillNeeded(s("2001:db8:1::b", 0, 0), now, 60, pins, null).keep, false, "sockets not consulted");
});

function withStateFile(run: (path: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), "fama-mn-state-"));
  try {
    run(join(dir, "mn.state"));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test("state file: absent is null; round trip, mode 0600", () => {
  withStateFile((path) => {
    assert.equal(readMnState(path), null);
    const st = { key: "ab".repeat(20), sec: 1, modifier: "cd".repeat(16), pins: ["2001:db8:1::a"],
      sites: [{ prefix: "2001:db8:1::/64", anchor: "2001:db8:a:1::1", hoa: "2001:db8:1::a", seq: 7, phkt: "0011223344556677", phktSeq: 5, coaTest: false, current: true }] };
    writeMnState(path, st);
    assert.equal(statSync(path).mode & 0o777, 0o600);
    assert.deepEqual(readMnState(path), st);
  });
});

test("state file: a bad key fingerprint is refused", () => {
  withStateFile((path) => {
    writeFileSync(path, JSON.stringify({ format: "fama-mn-state", version: 1, key: "x", sec: 1, modifier: "cd".repeat(16) }));
    assert.throws(() => readMnState(path), /bad key fingerprint/);
  });
});

test("state file: a file that is not JSON is refused", () => {
  withStateFile((path) => {
    writeFileSync(path, "{");
    assert.throws(() => readMnState(path), /not valid JSON/);
  });
});

test("tc redirect: one filter per anchor and per protocol of the core's divert list, on a fresh clsact", () => {
  const protocols = new Mn(loadCore()).divertedProtocols();
  assert.deepEqual(protocols, [41, 43, 135]);
  const anchors = ["2001:db8:a:1::1", "2001:db8:a:2::1"];
  const lines = redirectBatch("acc1", "fmt0", anchors, protocols);
  assert.equal(lines[0], "qdisc add dev acc1 clsact");
  const filters = lines.slice(1).map((l) => {
    const m = /^filter add dev acc1 ingress protocol ipv6 pref (\d+) u32 match ip6 src (\S+)\/128 match ip6 protocol (\d+) 0xff action mirred egress redirect dev fmt0$/.exec(l);
    assert.ok(m, l);
    return { pref: Number(m[1]), src: m[2], proto: Number(m[3]) };
  });
  assert.deepEqual(filters.map((f) => [f.src, f.proto]), anchors.flatMap((a) => protocols.map((p) => [a, p])));
  assert.equal(new Set(filters.map((f) => f.pref)).size, filters.length, "distinct priorities");
});
