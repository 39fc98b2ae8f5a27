// Crypto primitives in the Wasm core vs node:crypto (OpenSSL with SHA-NI/ADX):
// SHA-1 on 64-byte messages and 8 KiB inputs, RSA-1024/2048 verification.
import crypto from "node:crypto";
import { loadCore } from "../host/wasm.js";
import { cryptoExports, rsaPublicKeyOf, rsaVerifyMessage } from "../host/core/crypto.js";
import { compareRates, printTable, type Row } from "./harness.js";

export async function run(): Promise<void> {
  const core = loadCore();
  const ex = cryptoExports(core);
  const rows: Row[] = [];

  // --- SHA-1, 64-byte messages -----------------------------------------------------
  const N = 1024;
  const msgs = ex.alloc(N * 64);
  const outs = ex.alloc(N * 20);
  const mem = () => core.bytes();
  mem().set(crypto.randomBytes(N * 64), msgs);
  const bufs = Array.from({ length: N }, () => crypto.randomBytes(64));
  const hashFn = (crypto as unknown as { hash?: (alg: string, data: Buffer, enc: "buffer") => Buffer }).hash;
  let sink = 0;
  const small = compareRates([
    { name: "fama in-module", run: (it) => { for (let i = 0; i < it; i++) ex.sha1_digest_many(msgs, 64, 64, N, outs); }, unitsPerIter: N },
    { name: "fama per call", run: (it) => { for (let i = 0; i < it; i++) for (let j = 0; j < N; j++) ex.sha1_digest(msgs + j * 64, 64, outs); }, unitsPerIter: N },
    { name: "fama copy in/out", run: (it) => {
      for (let i = 0; i < it; i++) for (let j = 0; j < N; j++) {
        const m = mem(); m.set(bufs[j], msgs); ex.sha1_digest(msgs, 64, outs); sink ^= m.slice(outs, outs + 20)[0];
      } }, unitsPerIter: N },
    { name: "createHash", run: (it) => { for (let i = 0; i < it; i++) for (let j = 0; j < N; j++) sink ^= crypto.createHash("sha1").update(bufs[j]).digest()[0]; }, unitsPerIter: N },
    ...(hashFn ? [{ name: "crypto.hash", run: (it: number) => { for (let i = 0; i < it; i++) for (let j = 0; j < N; j++) sink ^= hashFn("sha1", bufs[j], "buffer")[0]; }, unitsPerIter: N }] : []),
  ]);
  rows.push({ test: "SHA-1 64 B, data in linear memory", ours: small[0], oursName: "one call, 1024 msgs", baseline: small[3], baselineName: "createHash", unit: "msg/s", target: 4 });
  rows.push({ test: "SHA-1 64 B, one export call each", ours: small[1], baseline: small[3], baselineName: "createHash", unit: "msg/s" });
  rows.push({ test: "SHA-1 64 B, copy in + call + copy out", ours: small[2], baseline: small[3], baselineName: "createHash", unit: "msg/s" });
  if (hashFn) rows.push({ test: "SHA-1 64 B, data in linear memory", ours: small[0], baseline: small[4], baselineName: "crypto.hash", unit: "msg/s" });

  // --- SHA-1, 8 KiB ------------------------------------------------------------------
  const BIG = 8192;
  const big = ex.alloc(BIG);
  const bigBuf = crypto.randomBytes(BIG);
  mem().set(bigBuf, big);
  const large = compareRates([
    { name: "fama", run: (it) => { for (let i = 0; i < it; i++) ex.sha1_digest(big, BIG, outs); }, unitsPerIter: BIG / 1e6 },
    { name: "createHash", run: (it) => { for (let i = 0; i < it; i++) sink ^= crypto.createHash("sha1").update(bigBuf).digest()[0]; }, unitsPerIter: BIG / 1e6 },
  ]);
  rows.push({ test: "SHA-1 8 KiB", ours: large[0], baseline: large[1], baselineName: "createHash", unit: "MB/s", target: 0.55 });

  // --- RSA verification --------------------------------------------------------------
  for (const [bits, target] of [[1024, 0.6], [2048, 0.4]] as const) {
    const { publicKey, privateKey } = crypto.generateKeyPairSync("rsa", { modulusLength: bits, publicExponent: 65537 });
    const key = rsaPublicKeyOf(publicKey);
    const msg = crypto.randomBytes(100);
    const sig = crypto.sign("sha1", msg, privateKey);
    if (rsaVerifyMessage(core, key, msg, sig) !== 0 || !crypto.verify("sha1", msg, publicKey, sig)) throw new Error("RSA self-check failed");
    const r = compareRates([
      { name: "fama", run: (it) => { for (let i = 0; i < it; i++) sink ^= rsaVerifyMessage(core, key, msg, sig); } },
      { name: "crypto.verify", run: (it) => { for (let i = 0; i < it; i++) sink ^= crypto.verify("sha1", msg, publicKey, sig) ? 1 : 0; } },
    ]);
    rows.push({ test: `RSA-${bits} verify (e = 65537)`, ours: r[0], baseline: r[1], baselineName: "crypto.verify", unit: "verify/s", target });
  }
  if (sink === 0.5) console.log(sink);
  printTable("crypto primitives: fama core (Wasm) vs node:crypto", rows);
}
