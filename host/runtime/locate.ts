// Finds libwasmtime (the C API shared library) for the wasmtime runtime: an explicit path in
// FAMA_LIBWASMTIME, else the copy inside the `wasmtime` Python package (its wheel ships the
// whole C API as wasmtime/<platform>/_libwasmtime.so), else an error that says how to get it.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { arch } from "node:os";

export const WASMTIME_VERSION = "49.0.0";

export class WasmtimeNotFound extends Error {}

const HOW_TO_GET = `install it with \`pip install wasmtime==${WASMTIME_VERSION}\` (the Python package ships the C API library), ` +
  `or unpack the wasmtime v${WASMTIME_VERSION} C API release and set FAMA_LIBWASMTIME=/path/to/libwasmtime.so`;

function platformDir(): string {
  if (arch() === "x64") return "linux-x86_64";
  if (arch() === "arm64") return "linux-aarch64";
  throw new WasmtimeNotFound(`the wasmtime Python package has no library for ${arch()}; set FAMA_LIBWASMTIME`);
}

export interface LocatedLibrary {
  path: string;
  /** Where the path came from, for messages. */
  source: "FAMA_LIBWASMTIME" | "python package";
  /** The version found, or null when the library does not carry WASMTIME_VERSION. */
  version: string | null;
}

/** Directories holding python3.X/{site,dist}-packages: system, pip --user, pyenv versions. */
function libRoots(): string[] {
  const home = process.env.HOME ?? "/root";
  const pyenv = process.env.PYENV_ROOT ?? join(home, ".pyenv");
  let versions: string[] = [];
  try { versions = readdirSync(join(pyenv, "versions")).map((v) => join(pyenv, "versions", v, "lib")); } catch { /* no pyenv */ }
  return ["/usr/local/lib", "/usr/lib", join(home, ".local/lib"), ...versions];
}

/**
 * The Python package directory: the usual site-packages first (a directory scan, fast), then
 * the interpreter itself (a virtualenv, another prefix; starting python3 costs 50-500 ms).
 */
function pythonPackageDir(): string | null {
  for (const root of libRoots()) {
    let pythons: string[];
    try { pythons = readdirSync(root).filter((d) => d.startsWith("python3")); } catch { continue; }
    for (const py of pythons) {
      for (const packages of ["dist-packages", "site-packages"]) {
        const candidate = join(root, py, packages, "wasmtime");
        if (existsSync(candidate)) return candidate;
      }
    }
  }
  const asked = spawnSync("python3", ["-c", "import wasmtime,os;print(os.path.dirname(wasmtime.__file__))"], { encoding: "utf8", timeout: 10_000 });
  const dir = asked.status === 0 ? asked.stdout.trim() : "";
  return dir && existsSync(dir) ? dir : null;
}

/** The version in the package's dist-info directory name (wasmtime-49.0.0.dist-info). */
function packageVersion(packageDir: string): string | null {
  const entries = readdirSync(join(packageDir, ".."));
  const info = entries.map((e) => /^wasmtime-(\d+\.\d+\.\d+)\.dist-info$/.exec(e)).find((m) => m);
  return info?.[1] ?? null;
}

/**
 * A bare library exports no version function; the Rust crate embeds its version string in the
 * binary's read-only data, so look for ours there.
 */
function embeddedVersion(path: string): string | null {
  return readFileSync(path).includes(Buffer.from(WASMTIME_VERSION, "latin1")) ? WASMTIME_VERSION : null;
}

export function locateLibwasmtime(env: NodeJS.ProcessEnv = process.env): LocatedLibrary {
  const explicit = env.FAMA_LIBWASMTIME;
  if (explicit) {
    if (!existsSync(explicit)) throw new WasmtimeNotFound(`FAMA_LIBWASMTIME=${explicit}: no such file`);
    return { path: explicit, source: "FAMA_LIBWASMTIME", version: embeddedVersion(explicit) };
  }
  const dir = pythonPackageDir();
  if (dir) {
    const path = join(dir, platformDir(), "_libwasmtime.so");
    if (existsSync(path)) return { path, source: "python package", version: packageVersion(dir) };
    throw new WasmtimeNotFound(`the wasmtime Python package at ${dir} has no ${platformDir()}/_libwasmtime.so; ${HOW_TO_GET}`);
  }
  throw new WasmtimeNotFound(`libwasmtime not found: ${HOW_TO_GET}`);
}
