// The OpenWrt scripts: shellcheck clean; /etc/init.d/fama run under a procd TEST DOUBLE
// (tests/support/procd-double/: rc.common's dispatch with every procd_* call recorded, UCI values
// from the environment, an ip(8) double for stop) asks procd for exactly the command line,
// respawn and triggers docs/OPENWRT.md states, and reload, stop and a disabled section behave as
// that page says; /etc/uci-defaults/90-fama run against a uci(1) TEST DOUBLE (a flat store)
// leaves the firewall zone and odhcpd settings that page lists, once.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdtempSync, readFileSync, rmSync, existsSync, writeFileSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { REPO_ROOT } from "../../host/paths.js";

const FILES = join(REPO_ROOT, "openwrt", "fama", "files");
const DOUBLE = join(REPO_ROOT, "tests", "support", "procd-double");
const INIT = join(FILES, "fama.init");
const SHELLCHECK = ["/usr/bin/shellcheck", "/usr/local/bin/shellcheck"].find((p) => existsSync(p));

test("openwrt scripts are shellcheck clean", { skip: !SHELLCHECK && "needs shellcheck (Debian package shellcheck)" }, () => {
  const scripts = ["fama.init", "fama.sh", "fama.uci-defaults", "postinst", "prerm"].map((f) => join(FILES, f));
  const r = spawnSync(SHELLCHECK!, [...scripts, ...["rc.common", "ip", "tc", "uci"].map((f) => join(DOUBLE, f))], { encoding: "utf8" });
  assert.equal(r.status, 0, r.stdout + r.stderr);
});

interface Run { calls: string[]; stderr: string; status: number | null }

function initScript(action: string, env: Record<string, string>): Run {
  const dir = mkdtempSync(join(tmpdir(), "fama-procd-"));
  const log = join(dir, "calls");
  // installed as /etc/init.d/fama: procd knows the service by the script's name
  const script = join(dir, "fama");
  copyFileSync(INIT, script);
  try {
    const r = spawnSync("/bin/sh", [join(DOUBLE, "rc.common"), script, action], {
      encoding: "utf8",
      env: { PATH: `${DOUBLE}:/usr/bin:/bin`, PROCD_DOUBLE_LOG: log, ...env },
    });
    const calls = existsSync(log) ? readFileSync(log, "utf8").split("\n").filter(Boolean) : [];
    return { calls, stderr: r.stderr, status: r.status };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The procd calls docs/OPENWRT.md says `/etc/init.d/fama start` makes (its ```procd block). */
function documentedStart(): string[] {
  const doc = readFileSync(join(REPO_ROOT, "docs", "OPENWRT.md"), "utf8");
  const m = /```procd\n([^]*?)```/.exec(doc);
  assert.ok(m, "docs/OPENWRT.md has a ```procd block");
  return m[1]!.trim().split("\n");
}

const enabled = { UCI_dar_enabled: "1" };
const procdOnly = (calls: string[]) => calls.filter((c) => c.startsWith("procd_") && !c.startsWith("procd_running"));

test("init start: exactly the documented command line, respawn, log to syslog and reload trigger", () => {
  const r = initScript("start", enabled);
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(procdOnly(r.calls), documentedStart());
  assert.ok(r.calls.includes("config_load | fama"));
});

test("init start with the packaged enabled '0' (or 'no'): no instance, a message, exit 0; no enabled option: enabled", () => {
  const absent = initScript("start", {});
  assert.deepEqual(procdOnly(absent.calls), documentedStart(), "as fama dar --uci: a section without enabled runs");
  for (const env of [{ UCI_dar_enabled: "0" }, { UCI_dar_enabled: "no" }]) {
    const r = initScript("start", env);
    assert.equal(r.status, 0);
    assert.deepEqual(procdOnly(r.calls), ["procd_open_service | fama", "procd_add_reload_trigger | fama", "procd_close_service | set"]);
    assert.match(r.stderr, /fama: disabled \(option enabled in \/etc\/config\/fama\)/);
  }
});

test("init reload: SIGHUP to a running daemon; starts one that is not running; stops a disabled one", () => {
  const running = initScript("reload", { ...enabled, PROCD_DOUBLE_RUNNING: "1" });
  assert.deepEqual(procdOnly(running.calls), ["procd_send_signal | fama | * | HUP"]);
  const stopped = initScript("reload", enabled);
  assert.deepEqual(procdOnly(stopped.calls), documentedStart());
  const disabled = initScript("reload", { UCI_dar_enabled: "0", PROCD_DOUBLE_RUNNING: "1", IP_DOUBLE_SUCCESSES: "0" });
  assert.deepEqual(procdOnly(disabled.calls), ["procd_kill | fama | "]);
});

test("init stop: a running daemon is left to procd's SIGTERM; a dead one's leftover rule is deleted (with the configured tun, table, priority), and its divert filters on every interface", () => {
  const running = initScript("stop", { ...enabled, PROCD_DOUBLE_RUNNING: "1" });
  assert.deepEqual(running.calls.filter((c) => c.startsWith("ip ") || c.startsWith("tc ")), [], "no ip or tc calls while the daemon cleans up itself");
  assert.deepEqual(procdOnly(running.calls), ["procd_kill | fama | "]);
  const dead = initScript("stop", { ...enabled, UCI_dar_tun: "famax", UCI_dar_routeTable: "120", UCI_dar_rulePriority: "900", IP_DOUBLE_SUCCESSES: "2" });
  const del = "ip | -6 rule del priority 900 not iif famax lookup 120";
  assert.deepEqual(dead.calls.filter((c) => c.startsWith("ip ")), [del, del, del], "deleted until none is left (two here, the third fails)");
  const filters = readdirSync("/sys/class/net").flatMap((dev) => [4901, 4902, 4903].map((pref) => `tc | filter del dev ${dev} ingress pref ${pref}`));
  assert.deepEqual(dead.calls.filter((c) => c.startsWith("tc ")), filters, "the divert filters' priorities (docs/OPERATIONS.md), on every interface");
  assert.deepEqual(procdOnly(dead.calls), ["procd_kill | fama | "]);
  const defaults = initScript("stop", { IP_DOUBLE_SUCCESSES: "0" });
  assert.deepEqual(defaults.calls.filter((c) => c.startsWith("ip ")), ["ip | -6 rule del priority 1000 not iif fama0 lookup 100"], "the daemon's defaults");
});

/** Runs /etc/uci-defaults/90-fama against the uci double's store; returns the store afterwards. */
function uciDefaults(store: string[]): { store: string[]; calls: string[]; status: number | null; stderr: string } {
  const dir = mkdtempSync(join(tmpdir(), "fama-uci-"));
  const file = join(dir, "store"), log = join(dir, "calls");
  try {
    writeFileSync(file, store.map((l) => l + "\n").join(""));
    const r = spawnSync("/bin/sh", [join(FILES, "fama.uci-defaults")], { encoding: "utf8", env: { PATH: `${DOUBLE}:/usr/bin:/bin`, PROCD_DOUBLE_LOG: log, UCI_DOUBLE_STORE: file } });
    return { store: readFileSync(file, "utf8").split("\n").filter(Boolean), calls: readFileSync(log, "utf8").split("\n").filter(Boolean), status: r.status, stderr: r.stderr };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const FIREWALL = (tun: string, access: string, core: string) => [
  "firewall.fama=zone", "firewall.fama.name=fama", `firewall.fama.device=${tun}`,
  "firewall.fama.input=REJECT", "firewall.fama.output=ACCEPT", "firewall.fama.forward=REJECT",
  ...[access, core].flatMap((z) => [
    `firewall.fama_${z}=forwarding`, `firewall.fama_${z}.src=fama`, `firewall.fama_${z}.dest=${z}`,
    `firewall.${z}_fama=forwarding`, `firewall.${z}_fama.src=${z}`, `firewall.${z}_fama.dest=fama`,
  ]),
];

test("uci-defaults: a firewall zone for the TUN forwarding with the access and core zones, odhcpd's H flag and R-flag PIO; once only", () => {
  const first = uciDefaults(["dhcp.lan.ra=server", "dhcp.lan.ra_flags=managed-config", "dhcp.lan.ra_flags=other-config"]);
  assert.equal(first.status, 0, first.stderr);
  assert.deepEqual(first.store.filter((l) => l.startsWith("firewall.")), FIREWALL("fama0", "lan", "wan"));
  assert.deepEqual(first.store.filter((l) => l.startsWith("dhcp.")).sort(), ["dhcp.lan.ra=server", "dhcp.lan.ra_advrouter=1", "dhcp.lan.ra_flags=home-agent", "dhcp.lan.ra_flags=managed-config", "dhcp.lan.ra_flags=other-config"]);
  assert.ok(first.calls.includes("uci | commit firewall") && first.calls.includes("uci | commit dhcp"));
  const again = uciDefaults(first.store);
  assert.deepEqual(again.store.sort(), [...first.store].sort(), "a second run changes nothing");
  assert.ok(!again.calls.includes("uci | commit firewall"), "the existing zone is left alone");
});

test("uci-defaults: the access, core and tun options of /etc/config/fama; odhcpd's default flag kept when ra_flags was unset", () => {
  const r = uciDefaults(["fama.dar.access=guest", "fama.dar.core=uplink", "fama.dar.tun=famax"]);
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(r.store.filter((l) => l.startsWith("firewall.")), FIREWALL("famax", "guest", "uplink"));
  assert.deepEqual(r.store.filter((l) => l.startsWith("dhcp.")), ["dhcp.guest.ra_flags=other-config", "dhcp.guest.ra_flags=home-agent", "dhcp.guest.ra_advrouter=1"]);
});
