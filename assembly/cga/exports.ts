// ABI of the CGA / token area (numbers only). Typed wrappers: host/core/cga.ts.
//
// Inputs are pointers into linear memory. For setup-time calls the host may lay its
// inputs out in the area's scratch buffer (cga_scratch(), cga_scratch_size() bytes)
// instead of allocating; the packet path (DAR/MN engines) calls the AS functions
// directly on packet buffers.
//
// Record at cga_result() (after cga_verify; native u32 fields):
//   [0] status (CGA_*)     [4] sec              [8] DER status (DER_*)
//   [12] key offset         [16] key length      (relative to the parameters)
//   [20] modulus offset     [24] modulus length  [28] exponent offset  [32] exponent length
//   [36] modulus bits
// Record at cga_der_result() (after cga_der_check; native u32 fields):
//   [0] status (DER_*)  [4] modulus offset  [8] modulus length  [12] exponent offset
//   [16] exponent length  [20] modulus bits  (offsets relative to the SPKI)

import {
  cga_verify as verify, cga_last_sec, cga_der_status, cga_key_offset, cga_key_len,
  cga_mod_offset, cga_mod_len, cga_exp_offset, cga_exp_len, cga_mod_bits,
} from "./cga";
import { der_spki_parse, der_mod_ptr, der_mod_len, der_exp_ptr, der_exp_len, der_mod_bits, DER_OK } from "./der";

export { cga_generate, cga_address_of, cga_params_build } from "./cga";
export {
  cga_search_start, cga_search_step, cga_search_modifier, cga_search_attempts, cga_search_done,
} from "./cga-search";
export {
  tok_careof_keygen, tok_careof_keygen_check, tok_kbm, tok_kbm_dereg,
  tok_authenticator, tok_authenticator_check, tok_sign_digest, tok_signature_verify,
} from "./tokens";

const SCRATCH_SIZE: u32 = 16384;
const SCRATCH: usize = memory.data(<i32>SCRATCH_SIZE, 16);
const RESULT: usize = memory.data(48, 16);
const DER_RESULT: usize = memory.data(32, 16);

export function cga_scratch(): usize { return SCRATCH; }
export function cga_scratch_size(): u32 { return SCRATCH_SIZE; }

/** RFC 3972 §5 verification; returns the CGA_* verdict and fills the cga_result() record. */
export function cga_verify(addr: usize, params: usize, len: usize, minSec: u32): i32 {
  const st = verify(addr, params, len, minSec);
  store<u32>(RESULT, <u32>st, 0);
  store<u32>(RESULT, cga_last_sec(), 4);
  store<u32>(RESULT, <u32>cga_der_status(), 8);
  store<u32>(RESULT, cga_key_offset(), 12);
  store<u32>(RESULT, cga_key_len(), 16);
  store<u32>(RESULT, cga_mod_offset(), 20);
  store<u32>(RESULT, cga_mod_len(), 24);
  store<u32>(RESULT, cga_exp_offset(), 28);
  store<u32>(RESULT, cga_exp_len(), 32);
  store<u32>(RESULT, cga_mod_bits(), 36);
  return st;
}

export function cga_result(): usize { return RESULT; }

/** Strict parse of an RSA SPKI filling [p, p + len); fills the cga_der_result() record. */
export function cga_der_check(p: usize, len: usize): i32 {
  const st = der_spki_parse(p, len);
  const ok = st == DER_OK;
  store<u32>(DER_RESULT, <u32>st, 0);
  store<u32>(DER_RESULT, ok ? <u32>(der_mod_ptr() - p) : 0, 4);
  store<u32>(DER_RESULT, ok ? der_mod_len() : 0, 8);
  store<u32>(DER_RESULT, ok ? <u32>(der_exp_ptr() - p) : 0, 12);
  store<u32>(DER_RESULT, ok ? der_exp_len() : 0, 16);
  store<u32>(DER_RESULT, ok ? der_mod_bits() : 0, 20);
  return st;
}

export function cga_der_result(): usize { return DER_RESULT; }
