// HMAC-SHA1 (RFC 2104) over linear memory. The keyed inner and outer chaining
// values are computed once per key (start), so a message costs its own blocks
// plus two: the tail of the inner hash and the outer hash.

import { sha1, sha1_init, sha1_compress, Sha1, SHA1_LEN } from "./sha1";

export const HMAC_SHA1_LEN: u32 = 20;

/** Streaming HMAC-SHA1. Allocate once and reuse; nothing allocates after the
 *  constructor. final() writes the MAC and leaves the object ready for another
 *  message under the same key. */
export class HmacSha1 {
  /** [0..20) inner state, [32..52) outer state, [64..128) pad block, [128..148) inner digest. */
  private mem: usize;
  private h: Sha1;

  constructor() {
    this.mem = heap.alloc(160);
    this.h = new Sha1();
    this.start(0, 0);
  }

  start(key: usize, keyLen: usize): void {
    const m = this.mem;
    const pad = m + 64;
    memory.fill(pad, 0, 64);
    if (keyLen > 64) sha1(key, keyLen, pad);
    else if (keyLen > 0) memory.copy(pad, key, keyLen);
    for (let i: usize = 0; i < 64; i += 8) store<u64>(pad + i, load<u64>(pad + i) ^ 0x3636363636363636);
    sha1_init(m);
    sha1_compress(m, pad);
    for (let i: usize = 0; i < 64; i += 8) store<u64>(pad + i, load<u64>(pad + i) ^ (0x3636363636363636 ^ 0x5c5c5c5c5c5c5c5c));
    sha1_init(m + 32);
    sha1_compress(m + 32, pad);
    memory.fill(pad, 0, 64);
    this.h.resume(m, 64);
  }

  update(p: usize, len: usize): void {
    this.h.update(p, len);
  }

  final(out: usize): void {
    const m = this.mem;
    const h = this.h;
    h.final(m + 128);
    h.resume(m + 32, 64);
    h.update(m + 128, SHA1_LEN);
    h.final(out);
    h.resume(m, 64);
  }
}

let oneshot: HmacSha1 | null = null;

/** One-shot HMAC-SHA1; 20-byte MAC to out (may alias the inputs). */
export function hmac_sha1(key: usize, keyLen: usize, data: usize, dataLen: usize, out: usize): void {
  let h = oneshot;
  if (h === null) { h = new HmacSha1(); oneshot = h; }
  h.start(key, keyLen);
  h.update(data, dataLen);
  h.final(out);
}
