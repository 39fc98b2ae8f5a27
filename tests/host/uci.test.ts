// The UCI reader (host/config/uci.ts) against real-looking files (tests/host/uci-corpus/ and the
// packaged /etc/config/fama): quoting, comments, lists, anonymous and named sections, and each
// kind of error with the line it names. `fama dar --uci` is run as a process for the exit codes;
// a daemon with the UCI reader rereads the file on reload.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execFile } from "node:child_process";
import { parseUci, parseUciDar, loadUciDar } from "../../host/config/uci.js";
import { InputError } from "../../host/errors.js";
import { formatIPv6 } from "../../host/ipv6.js";
import { REPO_ROOT } from "../../host/paths.js";
import { CLI_JS } from "../../host/lab/daemons.js";
import { DarDaemon } from "../../host/dar/daemon.js";
import { RecordingDarNet } from "../../host/dar/net.js";
import { fakeTunPair } from "../../host/tun/fake.js";
import { Logger } from "../../host/log.js";

const CORPUS = join(REPO_ROOT, "tests", "host", "uci-corpus");
const PACKAGED = join(REPO_ROOT, "openwrt", "fama", "files", "fama.config");

test("uci: quoting, trailing comments, adjacent quoted parts, escapes, list values in order", () => {
  const { config, enabled, section } = loadUciDar(join(CORPUS, "quoting.conf"));
  assert.equal(section.name, "edge");
  assert.equal(enabled, true, "no enabled option: enabled");
  assert.equal(config.anchorText, "2001:db8:a:2::1");
  assert.deepEqual(config.prefixes.map((p) => p.text), ["2001:db8:2::/64", "2001:db8:20::/60"]);
  assert.equal(config.stateDir, "/var/lib/fama/with # hash", "a # inside quotes is not a comment");
  assert.equal(config.socket, "/var/run/fama/edge.sock", "\"...\"'...' joined");
  assert.equal(config.tun, "fama.e", "backslash escape outside quotes");
  assert.equal(config.coaTest, true);
  assert.equal(config.minSec, 1);
  assert.equal(config.maxLifetime, 3600);
  assert.equal(config.capacity, 65536, "defaults as in the JSON reader");
});

test("uci: anonymous and named sections, other section types ignored, --section by name and @dar[N]", () => {
  const file = join(CORPUS, "router.conf");
  assert.throws(() => loadUciDar(file), (e: Error) => e instanceof InputError && /2 'config dar' sections \(lines 7, 16\): choose one with --section/.test(e.message));
  const first = loadUciDar(file, "@dar[0]");
  assert.equal(first.section.name, null);
  assert.equal(first.enabled, true);
  assert.equal(first.config.anchorText, "2001:db8:a:3::1");
  assert.equal(first.config.coaTest, false);
  assert.equal(first.config.capacity, 4096);
  const spare = loadUciDar(file, "spare");
  assert.equal(spare.enabled, false);
  assert.equal(formatIPv6(spare.config.anchor), "2001:db8:a:4::1");
  assert.deepEqual(loadUciDar(file, "@dar[1]").section, spare.section);
  assert.throws(() => loadUciDar(file, "@dar[2]"), /no 'config dar' section number 2/);
  assert.throws(() => loadUciDar(file, "globals"), /no 'config dar' section named 'globals'/);
  const all = parseUci(readFileSync(file, "utf8"), file);
  assert.deepEqual(all.map((s) => [s.type, s.name, s.line]), [["globals", "globals", 4], ["dar", null, 7], ["dar", "spare", 16]]);
});

test("uci: the packaged /etc/config/fama parses, disabled until configured, every option at its documented default", () => {
  const { config, enabled } = loadUciDar(PACKAGED);
  assert.equal(enabled, false);
  assert.deepEqual(
    { minSec: config.minSec, maxLifetime: config.maxLifetime, coaTest: config.coaTest, tunnelMtu: config.tunnelMtu, capacity: config.capacity, tun: config.tun, stateDir: config.stateDir, socket: config.socket },
    { minSec: 0, maxLifetime: 86400, coaTest: false, tunnelMtu: 1460, capacity: 65536, tun: "fama0", stateDir: "/var/lib/fama", socket: "/var/run/fama/dar.sock" },
  );
});

// Each kind of error: the file, the line and (where there is one) the option are named.
const GOOD = ["config dar 'd'", "\toption anchor '2001:db8:a:1::1'", "\tlist prefix '2001:db8:1::/64'"];
const errors: [string, string[], RegExp][] = [
  ["unknown option", [...GOOD, "\toption minsec '1'"], /^f:4: unknown option 'minsec' in 'config dar' \(allowed: anchor, prefix, minSec/],
  ["bad integer", [...GOOD, "\toption minSec 'one'"], /^f:4: option 'minSec' must be a decimal integer, not 'one'$/],
  ["integer out of range", [...GOOD, "", "# comment", "\toption minSec '9'"], /^f:6: option 'minSec': must be an integer from 0 to 7, not 9$/],
  ["bad boolean", [...GOOD, "\toption coaTest 'maybe'"], /^f:4: option 'coaTest' must be a boolean/],
  ["bad address", ["config dar", "\toption anchor 'not-an-address'", "\tlist prefix '2001:db8:1::/64'"], /^f:2: option 'anchor': is not an IPv6 address: not-an-address$/],
  ["bad prefix", [...GOOD, "\tlist prefix '2001:db8:9::/72'"], /^f:3: option 'prefix': 2001:db8:9::\/72 must be \/1 to \/64$/],
  ["missing required option", ["package fama", "config dar 'd'", "\tlist prefix '2001:db8:1::/64'"], /^f:2: 'config dar' section: option 'anchor': must be a non-empty string and is required$/],
  ["option given twice", [...GOOD, "\toption tun 'a'", "\toption tun 'b'"], /^f:5: option 'tun' is already set on line 4$/],
  ["option where a list belongs", ["config dar", "\toption anchor '2001:db8:a:1::1'", "\toption prefix '2001:db8:1::/64'"], /^f:3: option 'prefix' is a list: write one 'list prefix VALUE' line per value$/],
  ["list where an option belongs", [...GOOD, "\tlist tun 'fama0'"], /^f:4: option 'tun' takes one value: write 'option tun VALUE', not 'list'$/],
  ["unterminated quote", [...GOOD, "\toption stateDir '/var/lib"], /^f:4: unterminated single quote/],
  ["unterminated double quote", [...GOOD, "\toption stateDir \"/var/lib\\\""], /^f:4: unterminated double quote/],
  ["value with a space unquoted", [...GOOD, "\toption stateDir /var/lib fama"], /^f:4: 'option' takes a name and one value \(quote a value with spaces\)$/],
  ["line continuation", [...GOOD, "\toption stateDir /var/\\"], /^f:4: backslash at the end of the line/],
  ["unknown statement", [...GOOD, "\toptoin tun 'x'"], /^f:4: unknown statement 'optoin'/],
  ["option before config", ["option anchor '2001:db8:a:1::1'", ...GOOD], /^f:1: option 'anchor' before any 'config' line$/],
  ["bad section type", ["config da-r", "\toption anchor x"], /^f:1: section type 'da-r' is not a name/],
  ["section defined twice", [...GOOD, "config dar 'd'"], /^f:4: section 'd' is defined twice$/],
  ["bad option name", [...GOOD, "\toption 'tun-name' x"], /^f:4: option name 'tun-name' is not a name/],
  ["no dar section", ["config globals", "\toption x y"], /^f: no 'config dar' section$/],
  ["reserved table", [...GOOD, "\toption routeTable '254'"], /^f:4: option 'routeTable': must not be a reserved table/],
  ["unknown router option", [...GOOD, "\toption enable '1'"], /^f:4: unknown option 'enable'/],
];
for (const [what, lines, pattern] of errors) {
  test(`uci error: ${what}`, () => {
    assert.throws(() => parseUciDar(lines.join("\n") + "\n", "f"), (e: Error) => {
      assert.ok(e instanceof InputError, `${e.constructor.name}: ${e.message}`);
      assert.match(e.message, pattern);
      return true;
    });
  });
}

function fama(args: string[]): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ["--disable-warning=ExperimentalWarning", CLI_JS, ...args], { encoding: "utf8" }, (err, _stdout, stderr) => {
      resolve({ code: err ? (err as { code?: number }).code ?? -1 : 0, stderr });
    });
  });
}

test("fama dar --uci: a bad file exits 1 naming file, line and option; a disabled section does not start; bad flags exit 2", async () => {
  const r = await fama(["dar", "--uci", join(CORPUS, "router.conf"), "--section", "spare"]);
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, /router\.conf:17: the 'config dar' section is disabled/);
  const bad = await fama(["dar", "--uci", join(CORPUS, "quoting.conf"), "--section", "nope"]);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /quoting\.conf: no 'config dar' section named 'nope'/);
  const both = await fama(["dar", "--uci", PACKAGED, "--config", "x.json"]);
  assert.equal(both.code, 2);
  assert.match(both.stderr, /give --config or --uci, not both/);
  const section = await fama(["dar", "--config", "x.json", "--section", "d"]);
  assert.equal(section.code, 2);
  assert.match(section.stderr, /--section goes with --uci/);
});

test("SIGHUP rereads the UCI file (DarDaemon with the UCI reader): a runtime option applies, a bad line is refused naming it", async () => {
  const dir = mkdtempSync(join(tmpdir(), "fama-uci-reload-"));
  const file = join(dir, "fama");
  const uci = (minSec: string) => ["config dar 'd'", "\toption anchor '2001:db8:a:1::1'", "\tlist prefix '2001:db8:1::/64'",
    "\toption tun 'fake1'", `\toption stateDir '${dir}/state'`, `\toption minSec '${minSec}'`, ""].join("\n");
  writeFileSync(file, uci("0"));
  const [, dev] = fakeTunPair("kernel", "fake1");
  const lines: Record<string, unknown>[] = [];
  const log = new Logger({ format: "json", write: (l) => lines.push(JSON.parse(l) as Record<string, unknown>) });
  const d = new DarDaemon({
    config: loadUciDar(file, "d").config, configPath: file, loadConfig: (p) => loadUciDar(p, "d").config,
    log, openTun: async () => dev, net: () => new RecordingDarNet(), controlSocket: false, tickMs: 50,
  });
  await d.start();
  try {
    writeFileSync(file, uci("2"));
    assert.equal(d.reload(), true);
    assert.equal(d.cfg.minSec, 2);
    assert.deepEqual(lines.find((l) => l.event === "config.reloaded")?.changed, ["minSec"]);
    writeFileSync(file, uci("eight"));
    assert.equal(d.reload(), false);
    assert.match(String(lines.find((l) => l.event === "config.reload_failed")?.error), /fama:6: option 'minSec' must be a decimal integer, not 'eight'/);
    assert.equal(d.cfg.minSec, 2, "the running configuration kept");
  } finally {
    await d.stop("test");
    rmSync(dir, { recursive: true, force: true });
  }
});
