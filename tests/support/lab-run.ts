// Running a whole `fama lab` in an e2e test: start it, run the test's body, stop it; on failure
// print the daemons' log tails and tear everything down before rethrowing. Either way the test
// then checks that no namespace and no lab directory is left.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import type { TestContext } from "node:test";
import { Lab, LAB_PREFIX, type LabOptions } from "../../host/lab/lab.js";
import { CLI_JS } from "../../host/lab/daemons.js";
import { netnsList } from "../../host/net/ip.js";

/** Runs a lab named `name` (namespace prefix fama-lab-<pid>-<name>-) around `body`. */
export async function withLab(t: TestContext, name: string, opts: LabOptions, body: (lab: Lab) => Promise<void>): Promise<void> {
  const prefix = `${LAB_PREFIX}${process.pid}-${name}-`;
  const lab = await Lab.start({ prefix, say: (s) => t.diagnostic(s), ...opts });
  const dir = lab.dir;
  try {
    await body(lab);
    await lab.stop();
  } catch (e) {
    t.diagnostic(lab.logTails(40));
    await lab.destroy();
    throw e;
  }
  assert.deepEqual((await netnsList()).filter((n) => n.startsWith(prefix)), [], "namespaces removed");
  assert.ok(!existsSync(dir), `lab directory ${dir} removed`);
}

/** `fama status --socket SOCKET --json`, parsed. */
export function famaStatus(socket: string): Promise<Record<string, any>> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ["--disable-warning=ExperimentalWarning", CLI_JS, "status", "--socket", socket, "--json"], { encoding: "utf8" }, (err, stdout, stderr) => {
      if (err) reject(new Error(`fama status: ${stderr}`)); else resolve(JSON.parse(stdout));
    });
  });
}
