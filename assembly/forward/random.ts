// Randomness for the forwarding plane: only WASI random_get (docs/ARCHITECTURE.md rule 7).
// Declared here directly so that as-pect specs (built without the WASI shim's library
// path) and the release module import the same function.

// @ts-ignore: decorator
@external("wasi_snapshot_preview1", "random_get")
declare function wasi_random_get(buf: usize, len: usize): u16;

/** Fills `len` bytes at `p` from the system's random source; false on failure. */
export function random_fill(p: usize, len: usize): bool {
  return wasi_random_get(p, len) == 0;
}
