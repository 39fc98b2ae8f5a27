// `npm run package [-- --arch NAME ... --out DIR]`: builds fama_<version>_<arch>.ipk for
// OpenWrt 24.10 (host/package/arches.ts: x86_64 and aarch64_generic unless named) into
// build/openwrt/. The same sources give the same bytes: every mtime is SOURCE_DATE_EPOCH, or the
// last commit's time, or 0 outside git. `--tree DIR` (one --arch) writes the files of
// data.tar.gz into DIR instead: the OpenWrt SDK's feed Makefile (openwrt/fama/Makefile) installs
// them and lets its own ipkg-build make the package.
import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { join, resolve } from "node:path";
import { REPO_ROOT } from "../paths.js";
import { parseArgs } from "../args.js";
import { DEFAULT_ARCHES, archNamed } from "./arches.js";
import { buildIpk } from "./ipk.js";
import { dataEntries } from "./contents.js";

function sourceDate(): number {
  const env = process.env.SOURCE_DATE_EPOCH;
  if (env !== undefined) {
    if (!/^\d+$/.test(env)) throw new Error(`SOURCE_DATE_EPOCH must be seconds since 1970, not '${env}'`);
    return Number(env);
  }
  try {
    return Number(execFileSync("git", ["-C", REPO_ROOT, "log", "-1", "--format=%ct"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim()) || 0;
  } catch {
    return 0;
  }
}

function main(): number {
  const opts = parseArgs(process.argv.slice(2), { values: ["arch", "out", "tree"] });
  const archs = process.argv.slice(2).flatMap((a, i, all) => (a === "--arch" ? [all[i + 1]!] : a.startsWith("--arch=") ? [a.slice(7)] : []));
  const tree = opts.values.get("tree");
  if (tree !== undefined) {
    if (archs.length !== 1) throw new Error("--tree takes exactly one --arch");
    writeTree(resolve(tree), archNamed(archs[0]!));
    return 0;
  }
  const out = resolve(opts.values.get("out") ?? join(REPO_ROOT, "build", "openwrt"));
  mkdirSync(out, { recursive: true });
  const mtime = sourceDate();
  for (const name of archs.length ? archs : DEFAULT_ARCHES) {
    const ipk = buildIpk(archNamed(name), mtime);
    writeFileSync(join(out, ipk.fileName), ipk.bytes);
    console.log(`${join(out, ipk.fileName)}: ${ipk.bytes.length} bytes (data.tar.gz ${ipk.dataBytes}, installed ${ipk.installedSize})`);
  }
  return 0;
}

function writeTree(dir: string, arch: ReturnType<typeof archNamed>): void {
  for (const e of dataEntries(arch)) {
    const path = join(dir, e.path);
    if (e.type === "dir") mkdirSync(path, { recursive: true, mode: e.mode });
    else writeFileSync(path, e.data!, { mode: e.mode });
    chmodSync(path, e.mode);
  }
  console.log(`${dir}: the files of fama's ${arch.name} package`);
}

try {
  process.exitCode = main();
} catch (e) {
  console.error(`npm run package: ${(e as Error).message}`);
  process.exitCode = 1;
}
