// fama keygen / cga gen / cga verify as a user runs them: exit codes, messages, files.
import { test, describe, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, statSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { VECTORS_DIR } from "../../host/paths.js";

const CLI = fileURLToPath(new URL("../../host/cli.js", import.meta.url));
const NODE = [process.execPath, "--disable-warning=ExperimentalWarning", CLI];

function fama(...args: string[]): { code: number | null; out: string; err: string } {
  const r = spawnSync(NODE[0], [...NODE.slice(1), ...args], { encoding: "utf8" });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

let dir = "";
before(() => { dir = mkdtempSync(join(tmpdir(), "fama-cli-")); });
after(() => { rmSync(dir, { recursive: true, force: true }); });

interface CgaCase { prefix: string; sec: number; collisionCount: number; modifier: string; spkiFile: string | null;
  extensionsHex: string; params: string; address: string; valid: boolean; failsAt?: string; why: string }
const cases = JSON.parse(readFileSync(join(VECTORS_DIR, "cga.json"), "utf8")) as CgaCase[];

describe("fama keygen", () => {
  test("writes a PKCS#8 PEM of the requested size, mode 0600", () => {
    const out = join(dir, "mn.pem");
    const r = fama("keygen", "--bits", "1024", "--out", out);
    assert.equal(r.code, 0, r.err);
    assert.match(readFileSync(out, "utf8"), /^-----BEGIN PRIVATE KEY-----/);
    assert.equal(statSync(out).mode & 0o777, 0o600);
  });
  test("refuses to overwrite without --force (exit 1), overwrites with it and stays 0600", () => {
    const out = join(dir, "exists.pem");
    writeFileSync(out, "precious", { mode: 0o644 });
    const r = fama("keygen", "--bits", "1024", "--out", out);
    assert.equal(r.code, 1);
    assert.match(r.err, /exists \(use --force/);
    assert.equal(readFileSync(out, "utf8"), "precious");
    const f = fama("keygen", "--bits", "1024", "--out", out, "--force");
    assert.equal(f.code, 0, f.err);
    assert.match(readFileSync(out, "utf8"), /BEGIN PRIVATE KEY/);
    assert.equal(statSync(out).mode & 0o777, 0o600);
  });
  test("bad sizes and missing options are usage errors (exit 2)", () => {
    for (const args of [["--bits", "512", "--out", join(dir, "a.pem")], ["--bits", "8192", "--out", join(dir, "a.pem")],
        ["--bits", "x", "--out", join(dir, "a.pem")], ["--bits", "2048"], ["--out", join(dir, "a.pem"), "--nope"]]) {
      const r = fama("keygen", ...args);
      assert.equal(r.code, 2, args.join(" "));
      assert.match(r.err, /^fama: /);
    }
  });
  test("an unwritable path is exit 1 with the path", () => {
    const r = fama("keygen", "--bits", "1024", "--out", join(dir, "no/such/dir/k.pem"));
    assert.equal(r.code, 1);
    assert.match(r.err, /cannot write/);
  });
});

describe("fama cga", () => {
  test("gen --json then verify: exit 0; the same CGA fails --min-sec 2 and a changed parameter byte (exit 1)", () => {
    const key = join(dir, "gen.pem");
    assert.equal(fama("keygen", "--bits", "1024", "--out", key).code, 0);
    const g = fama("cga", "gen", "--key", key, "--prefix", "2001:db8:1::/64", "--sec", "1", "--json");
    assert.equal(g.code, 0, g.err);
    const j = JSON.parse(g.out);
    assert.match(j.address, /^2001:db8:1:0:/);
    assert.equal(j.sec, 1);
    assert.match(j.modifier, /^[0-9a-f]{32}$/);
    assert.equal(j.params.slice(0, 32), j.modifier);
    const ok = fama("cga", "verify", "--address", j.address, "--params", j.params);
    assert.equal(ok.code, 0, ok.out + ok.err);
    assert.match(ok.out, /^valid: Sec 1, RSA-1024 key/);
    const low = fama("cga", "verify", "--address", j.address, "--params", j.params, "--min-sec", "2");
    assert.equal(low.code, 1);
    assert.match(low.out, /invalid: Sec below the minimum/);
    // one modulus byte changed (byte 100: inside the 1024-bit modulus)
    const tampered = j.params.slice(0, 200) + (j.params.slice(200, 202) === "00" ? "01" : "00") + j.params.slice(202);
    const bad = fama("cga", "verify", "--address", j.address, "--params", tampered);
    assert.equal(bad.code, 1);
    assert.match(bad.out, /invalid: Hash1 mismatch/);
  });

  test("gen with the vector key and modifier reproduces the vector CGAs for two prefixes (modifier reuse)", () => {
    for (const c of cases.filter((x) => x.valid && x.sec === 1 && x.collisionCount === 0 && x.extensionsHex === "" && x.spkiFile?.includes("1024"))) {
      const g = fama("cga", "gen", "--key", join(VECTORS_DIR, "keys/mn-a-rsa1024.pem"), "--prefix", c.prefix,
        "--sec", "1", "--modifier", c.modifier);
      assert.equal(g.code, 0, g.err);
      assert.match(g.out, new RegExp(`^address +${c.address}$`, "m"));
      assert.match(g.out, new RegExp(`^params +${c.params}$`, "m"));
      assert.match(g.out, new RegExp(`^modifier +${c.modifier}$`, "m"));
    }
  });

  test("verify prints each vector's verdict, with failsAt as the reason", () => {
    for (const c of cases) {
      const r = fama("cga", "verify", "--address", c.address, "--params", c.params);
      assert.equal(r.code, c.valid ? 0 : 1, c.why);
      if (!c.valid) assert.equal(r.out.trim(), `invalid: ${c.failsAt}`, c.why);
    }
  });

  const key = join(VECTORS_DIR, "keys/mn-a-rsa1024.pem");
  // Arguments as functions: `dir` exists only once the tests run.
  const badInput: [() => string[], number, RegExp][] = [
    [() => ["cga"], 2, /needs a subcommand/],
    [() => ["cga", "frob"], 2, /unknown cga subcommand/],
    [() => ["cga", "gen", "--key", key, "--prefix", "2001:db8::/48"], 2, /must be a \/64/],
    [() => ["cga", "gen", "--key", key, "--prefix", "2001:db8::1/64"], 2, /bits set after/],
    [() => ["cga", "gen", "--key", key, "--prefix", "nonsense"], 2, /not a prefix/],
    [() => ["cga", "gen", "--key", key, "--prefix", "2001:db8::/64", "--sec", "8"], 2, /between 0 and 7/],
    [() => ["cga", "gen", "--key", key, "--prefix", "2001:db8::/64", "--modifier", "abcd"], 2, /16 bytes/],
    [() => ["cga", "gen", "--key", join(dir, "missing.pem"), "--prefix", "2001:db8::/64"], 1, /no such file/],
    [() => ["cga", "gen", "--key", join(VECTORS_DIR, "cga.json"), "--prefix", "2001:db8::/64"], 1, /not a PEM private key/],
    [() => ["cga", "gen", "--prefix", "2001:db8::/64"], 2, /--key is required/],
    [() => ["cga", "verify", "--address", "2001:db8::1", "--params", "zz"], 2, /hex/],
    [() => ["cga", "verify", "--address", "not-an-address", "--params", "00"], 2, /not an IPv6 address/],
    [() => ["cga", "verify", "--params", "00"], 2, /--address is required/],
  ];
  for (const [argsOf, code, msg] of badInput) {
    const shown = argsOf().join(" ").replaceAll(VECTORS_DIR, "tests/vectors");
    test(`bad input, fama ${shown}: exit ${code} and ${msg}`, () => {
      const args = argsOf();
      const r = fama(...args);
      assert.equal(r.code, code, args.join(" ") + "\n" + r.err);
      assert.match(r.err, msg, args.join(" "));
    });
  }

  test("verify of parameters shorter than 25 bytes: invalid, exit 1", () => {
    const short = fama("cga", "verify", "--address", "2001:db8::1", "--params", "00");
    assert.equal(short.code, 1);
    assert.match(short.out, /invalid: parameters shorter than 25 bytes/);
  });

  test("Ctrl-C during a long search cancels cleanly (exit 130) and prints a modifier to resume from", async () => {
    const child = spawn(NODE[0], [...NODE.slice(1), "cga", "gen", "--key", join(VECTORS_DIR, "keys/mn-a-rsa1024.pem"),
      "--prefix", "2001:db8:1::/64", "--sec", "3"], { stdio: ["ignore", "pipe", "pipe"] });
    let err = "";
    let out = "";
    child.stderr.on("data", (d) => { err += d; });
    child.stdout.on("data", (d) => { out += d; });
    await new Promise((r) => setTimeout(r, 1500));
    child.kill("SIGINT");
    const code = await new Promise<number | null>((r) => child.on("close", (c) => r(c)));
    assert.equal(code, 130, err);
    assert.match(err, /cancelled after \d+ attempts; resume with --modifier [0-9a-f]{32}/);
    assert.equal(out, "");
  });

  test("progress is shown on a terminal for Sec 2+ (run under script(1) for a pty)", {
    skip: spawnSync("script", ["--version"]).status !== 0 && "no script(1)",
  }, async () => {
    const cmd = [...NODE, "cga", "gen", "--key", join(VECTORS_DIR, "keys/mn-a-rsa1024.pem"), "--prefix", "2001:db8:1::/64", "--sec", "2"]
      .map((a) => `'${a}'`).join(" ");
    const child = spawn("script", ["-qefc", cmd, "/dev/null"], { stdio: ["pipe", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (d) => { out += d; });
    const deadline = Date.now() + 10000;
    while (!/searching Sec 2: /.test(out) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    child.stdin.write("\x03"); // Ctrl-C on the terminal
    const code = await new Promise<number | null>((r) => child.on("close", (c) => r(c)));
    assert.match(out, /searching Sec 2: [0-9.e+]+ attempts at [0-9.]+ M\/s; a Sec 2 search takes .* on average/);
    assert.match(out, /cancelled after \d+ attempts; resume with --modifier [0-9a-f]{32}/);
    assert.equal(code, 130);
  });
});
