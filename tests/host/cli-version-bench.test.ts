// `fama --version` prints package.json's version; `fama bench` takes only the in-process
// sections and says which they are (running them is `npm run bench`'s business: minutes).
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { CLI_JS } from "../../host/lab/daemons.js";
import { REPO_ROOT } from "../../host/paths.js";

function fama(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ["--disable-warning=ExperimentalWarning", CLI_JS, ...args], { encoding: "utf8" }, (err, stdout, stderr) => {
      resolve({ code: err ? (err as { code?: number }).code ?? -1 : 0, stdout, stderr });
    });
  });
}

test("fama --version prints fama <package.json version>", async () => {
  const { version } = JSON.parse(readFileSync(join(REPO_ROOT, "package.json"), "utf8")) as { version: string };
  const r = await fama(["--version"]);
  assert.equal(r.code, 0);
  assert.equal(r.stdout, `fama ${version}\n`);
});

test("fama bench refuses a section that is not in-process (exit 2) and names the ones there are", async () => {
  for (const section of ["e2e", "nosuch"]) {
    const r = await fama(["bench", section]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, new RegExp(`unknown bench section '${section}' \\(sections: forward, dar, crypto, cga, mh\\)`));
  }
  const help = await fama(["--help"]);
  assert.match(help.stdout, /^ {2}bench \[SECTION\.\.\.\]/m);
});
