// /usr/bin/fama (openwrt/fama/files/fama.sh) under a node(1) TEST DOUBLE that prints the
// command line it was given: `fama dar` gets the daemon's node options (host/dar/node-flags.ts),
// every other command none, and both run the packaged cli.js with their arguments untouched.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { REPO_ROOT } from "../../host/paths.js";
import { DAR_NODE_FLAGS } from "../../host/dar/node-flags.js";

const WRAPPER = join(REPO_ROOT, "openwrt", "fama", "files", "fama.sh");

function wrapperArgv(args: string[]): string[] {
  const dir = mkdtempSync(join(tmpdir(), "fama-wrapper-"));
  try {
    const node = join(dir, "node");
    writeFileSync(node, "#!/bin/sh\nfor a in \"$@\"; do printf '%s\\n' \"$a\"; done\n");
    chmodSync(node, 0o755);
    const r = spawnSync("/bin/sh", [WRAPPER, ...args], { encoding: "utf8", env: { PATH: `${dir}:/usr/bin:/bin` } });
    assert.equal(r.status, 0, r.stderr);
    return r.stdout.split("\n").filter(Boolean);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const CLI = /\/\.\.\/lib\/fama\/build\/js\/host\/cli\.js$/;

test("fama dar: node gets the daemon's node options before the script", () => {
  const argv = wrapperArgv(["dar", "--uci", "fama", "--section", "dar", "--log", "text"]);
  const script = argv.findIndex((a) => CLI.test(a));
  assert.ok(script > 0, argv.join(" "));
  for (const f of DAR_NODE_FLAGS) assert.ok(argv.slice(0, script).includes(f), `${f} before the script: ${argv.join(" ")}`);
  assert.deepEqual(argv.slice(script + 1), ["dar", "--uci", "fama", "--section", "dar", "--log", "text"]);
});

test("other commands: no daemon options, arguments untouched (a space in one included)", () => {
  const argv = wrapperArgv(["status", "--json", "a b"]);
  const script = argv.findIndex((a) => CLI.test(a));
  assert.ok(script > 0, argv.join(" "));
  for (const f of DAR_NODE_FLAGS) assert.ok(!argv.includes(f), argv.join(" "));
  assert.deepEqual(argv.slice(script + 1), ["status", "--json", "a b"]);
});
