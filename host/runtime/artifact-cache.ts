// The cache of wasmtime's compiled artifacts (Cranelift takes 130-340 ms for fama.wasm; loading
// the artifact 1-2 ms). An artifact is native code that wasmtime runs without checking it, so
// one is only read from a directory and a file owned by this user that no one else can write,
// and written with write-then-rename (a concurrent start never reads half a file).
// FAMA_WASMTIME_CACHE=DIR moves it (default $XDG_CACHE_HOME/fama or ~/.cache/fama); "off"
// turns it off.
import { lstatSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";

function cacheDir(): string | null {
  const setting = process.env.FAMA_WASMTIME_CACHE;
  if (setting === "off") return null;
  return setting || join(process.env.XDG_CACHE_HOME || join(homedir(), ".cache"), "fama");
}

/** Owned by this user and writable by no one else (directory or regular file). */
function ours(path: string, kind: "dir" | "file"): boolean {
  try {
    const st = lstatSync(path);
    const rightKind = kind === "dir" ? st.isDirectory() : st.isFile();
    return rightKind && st.uid === process.getuid?.() && (st.mode & 0o022) === 0;
  } catch {
    return false;
  }
}

/** The artifact stored under `name`, or null (none, or not one we can trust). */
export function readArtifact(name: string): Uint8Array | null {
  const dir = cacheDir();
  if (!dir || !ours(dir, "dir") || !ours(join(dir, name), "file")) return null;
  try { return readFileSync(join(dir, name)); } catch { return null; }
}

/** Stores an artifact; failing to (read-only home, full disk) only costs the next start a compile. */
export function writeArtifact(name: string, bytes: Uint8Array): void {
  const dir = cacheDir();
  if (!dir) return;
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    if (!ours(dir, "dir")) return;
    const tmp = join(dir, `${name}.${process.pid}`);
    writeFileSync(tmp, bytes, { mode: 0o600 });
    renameSync(tmp, join(dir, name));
  } catch {
    // not cached
  }
}
