// Randomness for the whole core: WASI random_get only (docs/ARCHITECTURE.md rule 7).
// Declared here directly so that as-pect specs (built without the WASI shim's library
// path) and the release module import the same function.

// @ts-ignore: decorator
@external("wasi_snapshot_preview1", "random_get")
declare function wasi_random_get(buf: usize, len: usize): u16;

let failForTest: bool = false;

/** Fills len bytes at p with random bytes; false when the host's random_get
 *  failed (the buffer contents are then unspecified and must not be used). */
export function random_fill(p: usize, len: usize): bool {
  if (len == 0) return true;
  if (failForTest) return false;
  return wasi_random_get(p, len) == 0;
}

/** Test hook (specs only, not exported by the module): make random_fill fail. */
export function random_fail_for_test(on: bool): void {
  failForTest = on;
}
