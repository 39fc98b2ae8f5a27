// Where the shared reference material lives: ../shared beside the checkout
// (as laid out for developers and CI), or FAMA_SHARED.
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const REPO_ROOT = fileURLToPath(new URL("../../../", import.meta.url));
export const SHARED_DIR = process.env.FAMA_SHARED ?? join(REPO_ROOT, "..", "shared");
export const VECTORS_DIR = join(SHARED_DIR, "vectors");
