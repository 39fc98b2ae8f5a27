// The MN's identity: its RSA key (created, 2048 bits, mode 0600, on the first start; it never
// enters the Wasm module), the key's fingerprint (SHA-1 of the SPKI DER, what the state file
// is tied to) and the CGA modifier for (key, Sec): the saved one when the state file was
// written for this key and Sec, else searched in the core (RFC 3972 §4 steps 1-3) in chunks,
// so the event loop stays free.
import { createHash, type KeyObject } from "node:crypto";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import type { Core } from "../wasm.js";
import { cgaSearchStart, cgaSearchStep, cgaSearchModifier } from "../core/cga.js";
import { generateKeyPem, loadPrivateKey, spkiDer } from "../keys.js";
import type { Logger } from "../log.js";
import type { MnState } from "./state.js";

export interface MnIdentity {
  key: KeyObject;
  spki: Uint8Array;
  /** SHA-1 of the SPKI DER, hex */
  fingerprint: string;
  modifier: Uint8Array;
}

/** The identity of `key`: the saved modifier when `saved` belongs to this key and Sec, else a new one. */
export async function identityOf(core: Core, key: KeyObject, sec: number, saved: MnState | null, log: Logger, now: () => number): Promise<MnIdentity> {
  const spki = spkiDer(key);
  const fingerprint = createHash("sha1").update(spki).digest("hex");
  const modifier = saved && saved.key === fingerprint && saved.sec === sec
    ? new Uint8Array(Buffer.from(saved.modifier, "hex"))
    : await searchModifier(core, spki, sec, log, now);
  return { key, spki, fingerprint, modifier };
}

export function loadOrCreateKey(path: string, log: Logger): KeyObject {
  if (!existsSync(path)) {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    writeFileSync(path, generateKeyPem(2048), { mode: 0o600, flag: "wx" });
    log.info("key.created", { file: path, bits: 2048 });
  }
  return loadPrivateKey(path);
}

async function searchModifier(core: Core, spki: Uint8Array, sec: number, log: Logger, now: () => number): Promise<Uint8Array> {
  const t0 = now();
  const start = new Uint8Array(16);
  crypto.getRandomValues(start);
  cgaSearchStart(core, { modifier: start, spki, sec });
  while (!cgaSearchStep(core, 1 << 16)) await new Promise<void>((r) => setImmediate(r));
  const m = cgaSearchModifier(core);
  log.info("cga.modifier_found", { sec, ms: now() - t0 });
  return m;
}
