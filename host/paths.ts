// Where the repository and its test fixtures live, found from the compiled file
// (build/js/host/paths.js), so commands and tests work from any working directory.
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const REPO_ROOT = fileURLToPath(new URL("../../../", import.meta.url));
/** The test vectors (tests/vectors/README.md): packets, keys, replay scenarios. */
export const VECTORS_DIR = join(REPO_ROOT, "tests", "vectors");
