// Randomness for the core: WASI random_get only (ARCHITECTURE.md rule 7).

import { random_get } from "@assemblyscript/wasi-shim/assembly/bindings/wasi_snapshot_preview1";

let failForTest: bool = false;

/** Fills len bytes at p with random bytes; false when the host's random_get
 *  failed (the buffer contents are then unspecified and must not be used). */
export function random_fill(p: usize, len: usize): bool {
  if (len == 0) return true;
  if (failForTest) return false;
  return random_get(p, len) == 0;
}

/** Test hook (specs only, not exported by the module): make random_fill fail. */
export function random_fail_for_test(on: bool): void {
  failForTest = on;
}
