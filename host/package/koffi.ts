// koffi's native build for the router's architecture. The platform packages
// (@koromix/koffi-linux-x64, -arm64) are optional dependencies, so npm installs only this
// machine's; the package build takes each one as the npm tarball pinned in package-lock.json
// (version and sha512 integrity), fetched once with `npm pack` into build/package-cache/ and
// checked against that integrity every time it is used.
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { REPO_ROOT } from "../paths.js";
import { readTarGz } from "./tar.js";

export const CACHE_DIR = join(REPO_ROOT, "build", "package-cache");

interface LockEntry { version: string; integrity: string }

function lockEntry(name: string): LockEntry {
  const lock = JSON.parse(readFileSync(join(REPO_ROOT, "package-lock.json"), "utf8")) as { packages: Record<string, LockEntry> };
  const e = lock.packages[`node_modules/${name}`];
  if (!e?.version || !e.integrity?.startsWith("sha512-")) throw new Error(`package-lock.json pins no sha512 integrity for ${name}`);
  return e;
}

function integrityOf(data: Uint8Array): string {
  return `sha512-${createHash("sha512").update(data).digest("base64")}`;
}

/** The files of @koromix/koffi-<pkg> at the locked version, integrity-checked. */
export function koffiPlatformFiles(pkg: string, log: (s: string) => void = () => {}): Map<string, { mode: number; data: Buffer }> {
  const name = `@koromix/koffi-${pkg}`;
  const { version, integrity } = lockEntry(name);
  const file = join(CACHE_DIR, `koromix-koffi-${pkg}-${version}.tgz`);
  if (!existsSync(file)) {
    mkdirSync(CACHE_DIR, { recursive: true });
    log(`fetching ${name}@${version} with npm pack`);
    execFileSync("npm", ["pack", `${name}@${version}`, "--pack-destination", CACHE_DIR, "--silent"], { stdio: ["ignore", "ignore", "inherit"] });
  }
  const tgz = readFileSync(file);
  const got = integrityOf(tgz);
  if (got !== integrity) throw new Error(`${file}: integrity ${got} is not the ${integrity} package-lock.json pins for ${name}@${version} (delete it to fetch again)`);
  return readTarGz(tgz, "package/");
}

/** The locked version of the koffi package itself (node_modules/koffi must be that one). */
export function koffiVersion(): string {
  return lockEntry("koffi").version;
}
