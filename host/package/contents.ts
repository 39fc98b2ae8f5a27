// What goes into data.tar.gz of fama's .ipk, laid out so that /usr/lib/fama is the root of a
// checkout as the compiled code sees it (host/paths.ts REPO_ROOT, host/wasm.ts RELEASE_WASM):
//   /usr/bin/fama                        shell wrapper: exec node .../cli.js
//   /usr/lib/fama/package.json           name, version (fama --version), "type": "module"
//   /usr/lib/fama/build/fama.wasm        the core (release build)
//   /usr/lib/fama/build/js/host/...      the host's compiled JavaScript (not host/package/)
//   /usr/lib/fama/build/js/bench/...     the in-process bench sections (`fama bench`), with
//                                        what they import (the test MN of tests/support/) and
//                                        read (three files of tests/vectors/); no tests
//   /usr/lib/fama/node_modules/koffi/... koffi's ES module loader, and its platform package with
//                                        the musl build for the architecture only
//   /etc/init.d/fama, /etc/config/fama, /etc/uci-defaults/90-fama   from openwrt/fama/files/
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, posix } from "node:path";
import { REPO_ROOT, VECTORS_DIR } from "../paths.js";
import { IN_PROCESS_SECTIONS } from "../commands/bench.js";
import type { Arch } from "./arches.js";
import { koffiPlatformFiles, koffiVersion } from "./koffi.js";
import type { TarEntry } from "./tar.js";

export const LIB = "usr/lib/fama";
const FILES = join(REPO_ROOT, "openwrt", "fama", "files");
const BUILD_JS = join(REPO_ROOT, "build", "js");
/** Fixtures the dar and mh bench sections read (keys to sign BUs, the packets to parse). */
const BENCH_VECTORS = ["keys/mn-a-rsa1024.pem", "keys/mn-b-rsa2048.pem", "mh/valid.pcap"];
/** The koffi files an ES module import of "koffi" loads, and its licence. */
const KOFFI_FILES = ["package.json", "LICENSE.txt", "index.js", "src/koffi/index.js", "src/koffi/src/static.js"];

interface Pkg { name: string; version: string; description: string; license: string; dependencies?: Record<string, string> }

export function repoPackage(): Pkg {
  return JSON.parse(readFileSync(join(REPO_ROOT, "package.json"), "utf8")) as Pkg;
}

function tsSources(dir: string): string[] {
  return readdirSync(join(REPO_ROOT, dir), { withFileTypes: true }).flatMap((d) => {
    const p = posix.join(dir, d.name);
    if (d.isDirectory()) return tsSources(p);
    return d.name.endsWith(".ts") && !d.name.endsWith(".d.ts") ? [p] : [];
  });
}

/** build/js path of a TypeScript source, checked to exist (run `npm run build` first). */
function compiled(source: string): string {
  const js = source.replace(/\.ts$/, ".js");
  if (!existsSync(join(BUILD_JS, js))) throw new Error(`build/js/${js} is missing: run npm run build`);
  return js;
}

/** Relative imports of a compiled module (static and dynamic), as build/js paths. */
function importsOf(js: string): string[] {
  const text = readFileSync(join(BUILD_JS, js), "utf8");
  const found: string[] = [];
  for (const m of text.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)["'](\.\.?\/[^"']+)["']/g)) {
    found.push(posix.normalize(posix.join(posix.dirname(js), m[1]!)));
  }
  return found;
}

function file(path: string, data: Uint8Array, mode = 0o644): TarEntry {
  return { path, type: "file", mode, data };
}

/** The data.tar.gz entries for `arch` (files and every directory above them). */
export function dataEntries(arch: Arch): TarEntry[] {
  const pkg = repoPackage();
  const deps = Object.keys(pkg.dependencies ?? {});
  const unknown = deps.filter((d) => d !== "koffi");
  if (unknown.length) throw new Error(`production dependencies the package does not know how to ship: ${unknown.join(", ")}`);
  const files: TarEntry[] = [];
  const own = (name: string) => readFileSync(join(FILES, name));
  files.push(file("usr/bin/fama", own("fama.sh"), 0o755));
  files.push(file("etc/init.d/fama", own("fama.init"), 0o755));
  files.push(file("etc/config/fama", own("fama.config"), 0o600));
  files.push(file("etc/uci-defaults/90-fama", own("fama.uci-defaults"), 0o755));
  const meta = { name: pkg.name, version: pkg.version, description: pkg.description, license: pkg.license, type: "module", dependencies: pkg.dependencies };
  files.push(file(`${LIB}/package.json`, Buffer.from(JSON.stringify(meta, null, 2) + "\n")));
  files.push(file(`${LIB}/build/fama.wasm`, readFileSync(join(REPO_ROOT, "build", "fama.wasm"))));

  // host JS (the packaging code itself stays out), bench sections, and whatever they import
  const js = new Set<string>(tsSources("host").filter((s) => !s.startsWith("host/package/")).map(compiled));
  for (const s of ["bench/run.ts", ...IN_PROCESS_SECTIONS.map((n) => `bench/${n}.bench.ts`)]) js.add(compiled(s));
  for (const queue = [...js]; queue.length;) {
    for (const dep of importsOf(queue.pop()!)) {
      if (js.has(dep)) continue;
      if (dep.startsWith("host/package/")) throw new Error(`packaged code imports the packaging code: ${dep}`);
      if (!existsSync(join(BUILD_JS, dep))) throw new Error(`an import of the packaged code is missing: build/js/${dep}`);
      js.add(dep);
      queue.push(dep);
    }
  }
  for (const p of js) files.push(file(`${LIB}/build/js/${p}`, readFileSync(join(BUILD_JS, p))));
  // the fixtures, where the packaged host/paths.js looks for them (VECTORS_DIR = tests/vectors)
  for (const v of BENCH_VECTORS) files.push(file(`${LIB}/tests/vectors/${v}`, readFileSync(join(VECTORS_DIR, v))));

  // koffi: the loader from node_modules (installed from the lockfile), the platform package from
  // its pinned npm tarball with only the musl build
  const koffiDir = join(REPO_ROOT, "node_modules", "koffi");
  const installed = (JSON.parse(readFileSync(join(koffiDir, "package.json"), "utf8")) as { version: string }).version;
  if (installed !== koffiVersion()) throw new Error(`node_modules/koffi is ${installed}, package-lock.json pins ${koffiVersion()}: run npm ci`);
  for (const f of KOFFI_FILES) files.push(file(`${LIB}/node_modules/koffi/${f}`, readFileSync(join(koffiDir, f))));
  const platform = koffiPlatformFiles(arch.koffiPackage);
  const native = `${arch.koffiMuslDir}/koffi.node`;
  for (const f of ["package.json", "index.js", native]) {
    const got = platform.get(f);
    if (!got) throw new Error(`@koromix/koffi-${arch.koffiPackage} has no ${f}`);
    files.push(file(`${LIB}/node_modules/@koromix/koffi-${arch.koffiPackage}/${f}`, got.data, f === native ? 0o755 : 0o644));
  }
  return withDirectories(files);
}

function withDirectories(files: TarEntry[]): TarEntry[] {
  const dirs = new Set<string>();
  for (const f of files) {
    for (let d = dirname(f.path); d !== "."; d = dirname(d)) dirs.add(d);
  }
  return [...[...dirs].map((path): TarEntry => ({ path, type: "dir", mode: 0o755 })), ...files];
}
