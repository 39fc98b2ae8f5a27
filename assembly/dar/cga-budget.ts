// The CPU budget of cga-mode Binding Updates (PROTOCOL.md §2.2 step 4 and the PHKT's
// encryption of step 9): a token bucket on the host's now_ms, in units of one cga-mode BU
// with a 2048-bit key (one RSA verification plus one RSA encryption, both public-key
// operations with a small exponent: ~130 µs here). A key of `bits` costs
// ceil((bits / 2048)^2) units (the public operation is quadratic in the modulus size), at
// least 1: 1024 and 2048 bits cost 1, 3072 bits 3, 4096 bits 4.
//
// Refill: `perSecond` units a second. Depth: max(BUDGET_MAX_COST, perBatch,
// perSecond / 10), so after an idle spell at most a tenth of a second's work runs in a
// burst, and the dearest key still fits. `perBatch` caps the BUs verified per call
// (dar_process_deferred, or one dar_process_batch when the queue is off).

import { TokenBucket } from "./token-bucket";

export const BUDGET_UNIT_BITS: u32 = 2048;
/** The cost of the largest key the core takes (4096 bits: the PHKT cipher buffer's limit). */
export const BUDGET_MAX_COST: u32 = 4;
export const BUDGET_MAX_PER_SECOND: u32 = 1000000;

const bucket = new TokenBucket();
let perBatch: u32 = 4;
let usedInBatch: u32 = 0;

/** Units a verification with a modulus of `bits` costs. */
export function budget_cost(bits: u32): u32 {
  const r = <f64>bits / <f64>BUDGET_UNIT_BITS;
  const c = <u32>Math.ceil(r * r);
  return c < 1 ? 1 : c;
}

export function budget_configure(perSecond: u32, batchCap: u32): void {
  perBatch = batchCap;
  let depth = <f64>perSecond / 10;
  if (depth < <f64>batchCap) depth = <f64>batchCap;
  if (depth < <f64>BUDGET_MAX_COST) depth = <f64>BUDGET_MAX_COST;
  bucket.setup(<f64>perSecond, depth);
  usedInBatch = 0;
}

@inline export function budget_per_batch(): u32 { return perBatch; }

/** A new call starts: nothing verified in it yet. */
export function budget_batch_begin(): void { usedInBatch = 0; }

/** Takes `cost` units for one BU of this call if the per-call cap and the bucket allow it. */
export function budget_take(cost: u32, now: f64): bool {
  if (usedInBatch >= perBatch) return false;
  if (!bucket.take(<f64>cost, now)) return false;
  usedInBatch++;
  return true;
}

/** Milliseconds until `cost` units are available (ignores the per-call cap). */
export function budget_wait_ms(cost: u32, now: f64): f64 { return bucket.wait_ms(<f64>cost, now); }

/** Units in the bucket now (tests). */
export function budget_tokens(now: f64): f64 {
  bucket.refill(now);
  return bucket.tokens;
}
