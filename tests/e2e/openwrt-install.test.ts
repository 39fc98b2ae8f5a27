// The OpenWrt package installed into an empty root folder (data.tar.gz unpacked there with tar):
// its own /usr/bin/fama --version runs with this machine's node, and its /usr/bin/fama dar --uci
// <root>/etc/config/fama (the packaged file with the lab's addresses filled in) is DAR1 of a
// two-DAR namespace lab (host/lab/lab.ts): the MN registers H_1 through it after moving to DAR2
// and the TCP session from H_1 survives that move, every byte intact; SIGHUP (the init script's
// reload) makes it reread the UCI file.
//
// One file is added to the unpacked package: this machine's node is linked against glibc, the
// router's against musl, and the package carries koffi's musl build only (which glibc cannot
// load). The glibc build of the same koffi version goes beside it, where the packaged loader
// looks for it (node_modules/@koromix/koffi-linux-x64/linux_x64/); the package's JavaScript,
// loader and wrapper run unchanged.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Lab, norm, LAB_PREFIX } from "../../host/lab/lab.js";
import { Tour } from "../../host/lab/tour.js";
import { PLAN } from "../../host/lab/topology.js";
import { netnsList } from "../../host/net/ip.js";
import { REPO_ROOT, VECTORS_DIR } from "../../host/paths.js";
import { buildPackages, tarExtract, tarMember } from "../support/openwrt.js";

const notRoot = process.getuid?.() !== 0 && "needs root (network namespaces, TUN devices)";
const notX64 = process.arch !== "x64" && "the x86_64 package runs on an x86_64 machine only";
const KEY = join(VECTORS_DIR, "keys", "mn-b-rsa2048.pem");
const LIB = "usr/lib/fama";
const version = (JSON.parse(readFileSync(join(REPO_ROOT, "package.json"), "utf8")) as { version: string }).version;

/** The packaged /etc/config/fama with `values` put into its option lines. */
function fillIn(text: string, values: Record<string, string>): string {
  let out = text;
  for (const [name, value] of Object.entries(values)) {
    const line = new RegExp(`^(\\t(?:option|list) ${name}) '[^']*'$`, "m");
    assert.match(out, line, `the packaged config has ${name}`);
    out = out.replace(line, `$1 '${value}'`);
  }
  return out;
}

test("the installed package: fama --version, and fama dar --uci as DAR1 of a lab: H_1 registered through it, TCP survives the move away", { skip: notRoot || notX64, timeout: 240_000 }, async (t) => {
  const work = mkdtempSync(join(tmpdir(), "fama-install-"));
  const root = join(work, "root");
  mkdirSync(root);
  let lab: Lab | null = null;
  try {
    buildPackages(work, ["x86_64"]);
    tarExtract("-", root, tarMember(join(work, `fama_${version}-r1_x86_64.ipk`), "./data.tar.gz"));
    const fama = join(root, "usr", "bin", "fama");
    assert.equal(execFileSync(fama, ["--version"], { encoding: "utf8" }), `fama ${version}\n`);

    const platform = join(root, LIB, "node_modules", "@koromix", "koffi-linux-x64");
    mkdirSync(join(platform, "linux_x64"));
    copyFileSync(join(REPO_ROOT, "node_modules", "@koromix", "koffi-linux-x64", "linux_x64", "koffi.node"), join(platform, "linux_x64", "koffi.node"));

    const uci = join(root, "etc", "config", "fama");
    const prefix = `${LAB_PREFIX}${process.pid}-i11-`;
    lab = await Lab.start({
      prefix, dars: 2, keyFile: existsSync(KEY) ? KEY : undefined, say: (s) => t.diagnostic(s),
      darCommand: (k, f) => {
        if (k !== 1) return null;
        writeFileSync(uci, fillIn(readFileSync(uci, "utf8"), {
          enabled: "1", anchor: PLAN.anchor(1), prefix: PLAN.prefix(1), maxLifetime: "3600", capacity: "1024", stateDir: f.stateDir, socket: f.socket,
        }));
        return { program: [fama], args: ["dar", "--uci", uci] };
      },
    });
    // DAR1 is the package's node process (ip netns exec ran the wrapper, which exec'd node)
    const cmdline = readFileSync(`/proc/${lab.dars[0]!.pid}/cmdline`, "utf8").split("\0");
    assert.ok(cmdline.some((a) => a.startsWith(join(root, "usr", "bin")) && a.endsWith("/lib/fama/build/js/host/cli.js")), `DAR1 runs the packaged cli.js: ${cmdline.join(" ")}`);
    assert.ok(cmdline.includes("--uci") && cmdline.includes(uci), "with --uci <root>/etc/config/fama");
    const started = await lab.dars[0]!.waitFor((l) => l.event === "dar.started", 10_000, "dar.started");
    assert.equal(norm(String(started.anchor)), norm(PLAN.anchor(1)));

    const tour = await Tour.open(lab, { dwellMs: 1000, newFlowBytes: 200_000, say: (s) => t.diagnostic(s) });
    const s = await tour.run(1);
    assert.deepEqual(s.handovers.map((h) => [h.from, h.to]), [[1, 2]]);
    const h = s.handovers[0]!;
    assert.equal(h.mode, "cga", "H_1 registered at the packaged DAR1 (a cga-mode BU)");
    assert.match(h.h1Path, /^tunnelled via DAR1/);
    assert.deepEqual(s.bindings.dar1!.map((b) => [norm(b.hoa), norm(b.coa), b.hasPhkt]), [[norm(lab.h1), norm(h.coa), true]], "DAR1's binding for H_1 at its DAR2 CoA");
    assert.ok(s.tcp.bytesSent > 50_000, `TCP sent ${s.tcp.bytesSent}`);
    assert.equal(s.tcp.bytesReceived, s.tcp.bytesSent, "every TCP byte arrived");
    assert.equal(s.tcp.intact, true, "TCP stream intact and in order across the move");
    t.diagnostic(`packaged DAR1: H_1 ${lab.h1} bound ${h.mode} at CoA ${h.coa}; UDP back ${h.latencyMs} ms after link-up; TCP ${s.tcp.bytesSent} bytes intact`);
    // what /etc/init.d/fama reload does: SIGHUP, and the daemon rereads the UCI file
    const from = lab.dars[0]!.lines.length;
    writeFileSync(uci, fillIn(readFileSync(uci, "utf8"), { maxLifetime: "1800" }));
    process.kill(lab.dars[0]!.pid, "SIGHUP");
    const reloaded = await lab.dars[0]!.waitFor((l) => l.event === "config.reloaded" || l.event === "config.reload_failed", 10_000, "config.reloaded", from);
    assert.equal(reloaded.event, "config.reloaded", JSON.stringify(reloaded));
    assert.deepEqual(reloaded.changed, ["maxLifetime"]);
    const l = lab;
    lab = null;
    await l.stop();
    assert.deepEqual((await netnsList()).filter((n) => n.startsWith(prefix)), [], "namespaces removed");
  } catch (e) {
    if (lab) { t.diagnostic(lab.logTails(40)); await lab.destroy(); }
    throw e;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
});
