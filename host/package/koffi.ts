// koffi's native build for the router's architecture. The platform packages
// (@koromix/koffi-linux-x64, -arm64) are optional dependencies, so npm installs only this
// machine's; the package build takes each one as the npm tarball pinned in package-lock.json
// (version and sha512 integrity), fetched once with `npm pack` into build/package-cache/ and
// checked against that integrity every time it is used.
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { delimiter, join } from "node:path";
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
  if (!existsSync(file)) fetchTarball(`${name}@${version}`, file, log);
  const tgz = readFileSync(file);
  const got = integrityOf(tgz);
  if (got !== integrity) throw new Error(`${file}: integrity ${got} is not the ${integrity} package-lock.json pins for ${name}@${version} (delete it to fetch again)`);
  return readTarGz(tgz, "package/");
}

/**
 * `npm pack` into a private folder, then one rename: a build that is interrupted, or one
 * running beside another, never leaves a partial tarball under the final name. A registry
 * hiccup gets two more tries before the build fails.
 */
function fetchTarball(spec: string, file: string, log: (s: string) => void): void {
  mkdirSync(CACHE_DIR, { recursive: true });
  const tmp = mkdtempSync(join(CACHE_DIR, ".fetch-"));
  try {
    for (let attempt = 1; ; attempt++) {
      log(`fetching ${spec} with npm pack`);
      try {
        execFileSync("npm", ["pack", spec, "--pack-destination", tmp, "--silent"], { stdio: ["ignore", "ignore", "inherit"], env: systemNpmEnv() });
        break;
      } catch (e) {
        if (attempt === 3) throw new Error(`npm pack ${spec} failed 3 times (the package build needs the npm registry once to fill ${CACHE_DIR}): ${(e as Error).message}`);
      }
    }
    const [packed] = readdirSync(tmp).filter((f) => f.endsWith(".tgz"));
    if (!packed) throw new Error(`npm pack ${spec} wrote no tarball`);
    renameSync(join(tmp, packed), file);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/**
 * The environment with node_modules/.bin left out of PATH. Under `npm run`/`npm test` that
 * folder comes first, and a dependency installs an old npm there which reads
 * `--pack-destination DIR` as a package to install (ENOLOCAL); the system's npm is wanted.
 */
function systemNpmEnv(): NodeJS.ProcessEnv {
  const path = (process.env.PATH ?? "").split(delimiter).filter((d) => !/node_modules[\\/]\.bin$/.test(d));
  return { ...process.env, PATH: path.join(delimiter) };
}

/** The locked version of the koffi package itself (node_modules/koffi must be that one). */
export function koffiVersion(): string {
  return lockEntry("koffi").version;
}
