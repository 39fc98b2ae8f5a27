// `npm run package`'s .ipk taken apart with tar alone (tests/support/openwrt.ts): the three
// members in ipkg-build's order, debian-binary "2.0", control and conffiles, every file of
// data.tar.gz expected and nothing else, modes and owners, the koffi binary the musl build for
// the package's architecture (ELF header and its libc), two builds byte-identical. The builder
// fetches koffi's platform packages from the npm registry once (build/package-cache/).
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, posix } from "node:path";
import { execFile } from "node:child_process";
import { gunzipSync } from "node:zlib";
import { REPO_ROOT } from "../../host/paths.js";
import { buildPackages, tarList, tarMember, tarExtract } from "../support/openwrt.js";

const pkg = JSON.parse(readFileSync(join(REPO_ROOT, "package.json"), "utf8")) as { version: string; license: string };
const ARCHES = {
  x86_64: { koffi: "linux-x64", musl: "musl_x64", machine: 62, libc: "libc.musl-x86_64.so.1" },
  aarch64_generic: { koffi: "linux-arm64", musl: "musl_arm64", machine: 183, libc: "libc.musl-aarch64.so.1" },
} as const;
type ArchName = keyof typeof ARCHES;
const LIB = "usr/lib/fama";

const out1 = mkdtempSync(join(tmpdir(), "fama-ipk-a-"));
const out2 = mkdtempSync(join(tmpdir(), "fama-ipk-b-"));
test.after(() => { rmSync(out1, { recursive: true, force: true }); rmSync(out2, { recursive: true, force: true }); });
let built: string | null = null;
function ipk(arch: ArchName, dir = out1): string {
  built ??= buildPackages(out1, Object.keys(ARCHES));
  return join(dir, `fama_${pkg.version}-r1_${arch}.ipk`);
}

function sources(dir: string): string[] {
  return readdirSync(join(REPO_ROOT, dir), { withFileTypes: true }).flatMap((d) => {
    const p = posix.join(dir, d.name);
    return d.isDirectory() ? sources(p) : d.name.endsWith(".ts") ? [p] : [];
  });
}

/** What data.tar.gz must hold, derived from the repository, not from the builder. */
function expectedFiles(arch: ArchName): Set<string> {
  const a = ARCHES[arch];
  const files = [
    "usr/bin/fama", "etc/init.d/fama", "etc/config/fama", "etc/uci-defaults/90-fama",
    `${LIB}/package.json`, `${LIB}/build/fama.wasm`,
    ...sources("host").filter((s) => !s.startsWith("host/package/")).map((s) => `${LIB}/build/js/${s.replace(/\.ts$/, ".js")}`),
    ...["run", "harness", "forward.bench", "dar.bench", "crypto.bench", "cga.bench", "mh.bench"].map((b) => `${LIB}/build/js/bench/${b}.js`),
    // the dar bench signs its BUs with the test MN (and its packet helpers), with these keys
    `${LIB}/build/js/tests/support/mobile-node.js`, `${LIB}/build/js/tests/support/packets.js`,
    `${LIB}/tests/vectors/keys/mn-a-rsa1024.pem`, `${LIB}/tests/vectors/keys/mn-b-rsa2048.pem`, `${LIB}/tests/vectors/mh/valid.pcap`,
    ...["package.json", "LICENSE.txt", "index.js", "src/koffi/index.js", "src/koffi/src/static.js"].map((f) => `${LIB}/node_modules/koffi/${f}`),
    ...["package.json", "index.js", `${a.musl}/koffi.node`].map((f) => `${LIB}/node_modules/@koromix/koffi-${a.koffi}/${f}`),
  ];
  const all = new Set<string>();
  for (const f of files) {
    all.add(`./${f}`);
    for (let d = posix.dirname(f); d !== "."; d = posix.dirname(d)) all.add(`./${d}/`);
  }
  all.add("./");
  return all;
}

function control(file: string): Map<string, string> {
  const text = tarMember("-", "./control", tarMember(file, "./control.tar.gz")).toString("utf8");
  const fields = new Map<string, string>();
  for (const line of text.split("\n")) {
    const m = /^([A-Za-z-]+):\s?(.*)$/.exec(line);
    if (m) fields.set(m[1]!, m[2]!.trim());
  }
  return fields;
}

for (const arch of Object.keys(ARCHES) as ArchName[]) {
  test(`ipk ${arch}: ipkg-build's outer layout, control, conffiles and the control scripts`, () => {
    const file = ipk(arch);
    const outer = tarList(file);
    assert.deepEqual(outer.map((m) => m.name), ["./debian-binary", "./data.tar.gz", "./control.tar.gz"], "members in ipkg-build's order");
    assert.equal(tarMember(file, "./debian-binary").toString(), "2.0\n");
    const c = control(file);
    assert.equal(c.get("Package"), "fama");
    assert.equal(c.get("Version"), `${pkg.version}-r1`);
    assert.equal(c.get("Architecture"), arch);
    assert.equal(c.get("License"), pkg.license);
    const depends = c.get("Depends")!.split(/,\s*/);
    for (const d of ["node", "kmod-tun", "ip-full", "tc", "kmod-sched-core"]) assert.ok(depends.includes(d), `Depends has ${d}: ${c.get("Depends")}`);
    assert.ok((c.get("Description") ?? "").length > 20, "a description");
    const data = tarMember(file, "./data.tar.gz");
    assert.equal(Number(c.get("Installed-Size")), gunzipSync(data).length, "Installed-Size is the unpacked data tar, as ipkg-build counts it");
    const ctl = tarMember(file, "./control.tar.gz");
    assert.deepEqual(tarList("-", ctl).map((m) => [m.name, m.mode]), [["./", "drwxr-xr-x"], ["./conffiles", "-rw-r--r--"], ["./control", "-rw-r--r--"], ["./postinst", "-rwxr-xr-x"], ["./prerm", "-rwxr-xr-x"]]);
    assert.equal(tarMember("-", "./conffiles", ctl).toString(), "/etc/config/fama\n");
    assert.match(tarMember("-", "./postinst", ctl).toString(), /default_postinst "\$0" "\$@"/);
  });

  test(`ipk ${arch}: data.tar.gz holds exactly the expected files, owned by 0/0, with the right modes, one mtime`, () => {
    const file = ipk(arch);
    const members = tarList("-", tarMember(file, "./data.tar.gz"));
    const names = members.map((m) => m.name);
    assert.equal(new Set(names).size, names.length, "no duplicates");
    const expected = expectedFiles(arch);
    assert.deepEqual(names.filter((n) => !expected.has(n)), [], "nothing unexpected");
    assert.deepEqual([...expected].filter((n) => !names.includes(n)), [], "nothing missing");
    for (const m of members) {
      assert.equal(m.owner, "0/0", `${m.name} owner`);
      assert.doesNotMatch(m.name, /\.(test|spec)\.js$|\.map$|\.ts$/, "no tests, source maps or sources");
    }
    const mode = (n: string) => members.find((m) => m.name === n)!.mode;
    assert.equal(mode("./usr/bin/fama"), "-rwxr-xr-x");
    assert.equal(mode("./etc/init.d/fama"), "-rwxr-xr-x");
    assert.equal(mode("./etc/uci-defaults/90-fama"), "-rwxr-xr-x");
    assert.equal(mode("./etc/config/fama"), "-rw-------", "INSTALL_CONF's mode");
    assert.equal(mode(`./${LIB}/build/fama.wasm`), "-rw-r--r--");
  });

  test(`ipk ${arch}: the only ELF file is koffi's musl build for ${arch}`, (t) => {
    const a = ARCHES[arch];
    const root = mkdtempSync(join(tmpdir(), "fama-ipk-root-"));
    try {
      tarExtract("-", root, tarMember(ipk(arch), "./data.tar.gz"));
      const elves: string[] = [];
      const walk = (dir: string) => {
        for (const d of readdirSync(dir, { withFileTypes: true })) {
          const p = join(dir, d.name);
          if (d.isDirectory()) walk(p);
          else if (readFileSync(p).subarray(0, 4).equals(Buffer.from("\x7fELF", "latin1"))) elves.push(p.slice(root.length + 1));
        }
      };
      walk(root);
      const koffi = `${LIB}/node_modules/@koromix/koffi-${a.koffi}/${a.musl}/koffi.node`;
      assert.deepEqual(elves, [koffi]);
      const elf = readFileSync(join(root, koffi));
      assert.equal(elf[4], 2, "ELFCLASS64");
      assert.equal(elf[5], 1, "little-endian");
      assert.equal(elf.readUInt16LE(16), 3, "ET_DYN (a shared object)");
      assert.equal(elf.readUInt16LE(18), a.machine, `e_machine ${a.machine}`);
      assert.ok(elf.includes(Buffer.from(a.libc + "\0")), `links ${a.libc} (musl)`);
      assert.ok(!elf.includes(Buffer.from("libc.so.6\0")), "does not link glibc's libc.so.6");
      t.diagnostic(`${arch}: ${koffi} ${statSync(join(root, koffi)).size} bytes, e_machine ${a.machine}, needs ${a.libc}`);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
}

/** A 64-bit ELF header with one program header, PT_INTERP = `interp`: what koffi's loader reads
 *  from process.execPath to tell a musl node from a glibc one. */
function elfWithInterp(interp: string, machine: number): Buffer {
  const path = Buffer.from(interp + "\0");
  const h = Buffer.alloc(64 + 56 + path.length);
  h.write("\x7fELF", 0, "latin1");
  h[4] = 2; h[5] = 1; h[6] = 1;
  h.writeUInt16LE(2, 16); // ET_EXEC
  h.writeUInt16LE(machine, 18);
  h.writeUInt32LE(1, 20);
  h.writeBigUInt64LE(64n, 32); // e_phoff
  h.writeUInt16LE(64, 52); h.writeUInt16LE(56, 54); h.writeUInt16LE(1, 56);
  h.writeUInt32LE(3, 64); // PT_INTERP
  h.writeBigUInt64LE(120n, 64 + 8); // p_offset
  h.writeBigUInt64LE(BigInt(path.length), 64 + 32); // p_filesz
  path.copy(h, 120);
  return h;
}

for (const arch of Object.keys(ARCHES) as ArchName[]) {
  test(`ipk ${arch}: under a node whose interpreter is musl's, the packaged koffi loader opens its musl build`, async () => {
    const a = ARCHES[arch];
    const root = mkdtempSync(join(tmpdir(), "fama-ipk-koffi-"));
    try {
      tarExtract("-", root, tarMember(ipk(arch), "./data.tar.gz"));
      const ld = arch === "x86_64" ? "/lib/ld-musl-x86_64.so.1" : "/lib/ld-musl-aarch64.so.1";
      const fakeNode = join(root, "node");
      writeFileSync(fakeNode, elfWithInterp(ld, a.machine));
      // The router's node as koffi sees it: its arch, and an executable whose interpreter is
      // musl's. dlopen is only recorded: this machine cannot load a musl (or arm64) build.
      const script = [
        `process.execPath = ${JSON.stringify(fakeNode)};`,
        `Object.defineProperty(process, "arch", { value: ${JSON.stringify(a.koffi.replace("linux-", ""))} });`,
        "const opened = []; const dlopen = process.dlopen;",
        "process.dlopen = (m, f, ...r) => { opened.push(f); return dlopen(m, f, ...r); };",
        `try { await import(${JSON.stringify(join(root, LIB, "node_modules", "koffi", "index.js"))}); } catch {}`,
        "console.log(JSON.stringify(opened));",
      ].join("\n");
      const opened = await new Promise<string[]>((resolve, reject) => {
        execFile(process.execPath, ["--input-type=module", "-e", script], { encoding: "utf8" }, (e, stdout, stderr) => (e ? reject(new Error(stderr)) : resolve(JSON.parse(stdout) as string[])));
      });
      assert.equal(opened[0], join(root, LIB, "node_modules", "@koromix", `koffi-${a.koffi}`, a.musl, "koffi.node"));
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
}

test("ipk: two builds from the same sources are byte-identical; sizes", (t) => {
  ipk("x86_64");
  buildPackages(out2, Object.keys(ARCHES));
  for (const arch of Object.keys(ARCHES) as ArchName[]) {
    const a = readFileSync(ipk(arch)), b = readFileSync(ipk(arch, out2));
    assert.ok(a.equals(b), `${arch}: the two builds differ`);
    t.diagnostic(`fama_${pkg.version}-r1_${arch}.ipk: ${a.length} bytes`);
    assert.ok(a.length < 1_000_000, `${arch}: ${a.length} bytes: keep the package small`);
  }
  const file = ipk("x86_64");
  const times = new Set([...tarList(file), ...tarList("-", tarMember(file, "./data.tar.gz")), ...tarList("-", tarMember(file, "./control.tar.gz"))].map((m) => m.mtime));
  assert.equal(times.size, 1, `one mtime for every member: ${[...times].join(", ")}`);
});

test("the SDK feed Makefile agrees with the package: version, release, dependencies, conffiles", () => {
  const mk = readFileSync(join(REPO_ROOT, "openwrt", "fama", "Makefile"), "utf8");
  const v = (name: string) => new RegExp(`^${name}:=(.*)$`, "m").exec(mk)?.[1];
  assert.equal(v("PKG_VERSION"), pkg.version);
  assert.equal(`${v("PKG_VERSION")}-r${v("PKG_RELEASE")}`, control(ipk("x86_64")).get("Version"));
  const depends = /^\s*DEPENDS:=(.*)$/m.exec(mk)![1]!.split(/\s+/).filter((d) => d.startsWith("+")).map((d) => d.slice(1));
  assert.deepEqual(depends.sort(), ["ip-full", "kmod-sched-core", "kmod-tun", "libstdcpp", "node", "tc"]);
  assert.match(mk, /define Package\/fama\/conffiles\n\/etc\/config\/fama\nendef/);
});
