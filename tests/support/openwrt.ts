// The OpenWrt package tests' helpers: `npm run package`'s builder run as a process into a
// directory, and the system tar (the independent reader: GNU tar, as opkg's own untar reads
// the same format) listing and extracting members.
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const BUILD_JS = fileURLToPath(new URL("../../host/package/build.js", import.meta.url));

/** Builds the .ipk of each architecture into `out`; returns the builder's output lines. */
export function buildPackages(out: string, arches: string[]): string {
  return execFileSync(process.execPath, ["--disable-warning=ExperimentalWarning", BUILD_JS, ...arches.flatMap((a) => ["--arch", a]), "--out", out], { encoding: "utf8", timeout: 120_000 });
}

export interface TarMember { mode: string; owner: string; size: number; mtime: string; name: string }

/** `tar -tvzf` of a gzip'd tar (or of `-` with `input`), parsed. */
export function tarList(file: string, input?: Buffer): TarMember[] {
  const text = execFileSync("tar", ["--numeric-owner", "-tvzf", file], { encoding: "utf8", input });
  return text.trim().split("\n").map((l) => {
    const [mode, owner, size, date, time, ...name] = l.split(/\s+/);
    return { mode: mode!, owner: owner!, size: Number(size), mtime: `${date} ${time}`, name: name.join(" ") };
  });
}

/** One member of a gzip'd tar, as bytes. */
export function tarMember(file: string, member: string, input?: Buffer): Buffer {
  return execFileSync("tar", ["-xzOf", file, member], { input, maxBuffer: 64 << 20 });
}

/** Extracts a gzip'd tar into `dir`. */
export function tarExtract(file: string, dir: string, input?: Buffer): void {
  execFileSync("tar", ["-xzf", file, "-C", dir], { input });
}
