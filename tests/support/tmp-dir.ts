// A temporary directory for one test, removed afterwards whether the test passes or fails.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const remove = (dir: string) => rmSync(dir, { recursive: true, force: true });

/** Runs `body` in a fresh directory under the system's temp dir; an async body is awaited first. */
export function withTmpDir<T>(body: (dir: string) => T, prefix = "fama-test-"): T {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  let pending = false;
  try {
    const result = body(dir);
    if (result instanceof Promise) {
      pending = true;
      return result.finally(() => remove(dir)) as T;
    }
    return result;
  } finally {
    if (!pending) remove(dir);
  }
}
