import {
  der_spki_parse, der_spki_parse_prefix, der_spki_len, der_mod_ptr, der_mod_len, der_exp_ptr, der_exp_len, der_mod_bits,
  DER_OK, DER_TRUNCATED, DER_BAD_LENGTH, DER_TRAILING, DER_BAD_ALGORITHM, DER_BAD_EXPONENT, DER_BAD_TAG, DER_BAD_INTEGER,
} from "../../assembly/cga/der";

// tests/vectors/keys/mn-a-rsa1024.spki.der
const SPKI_HEX = "30819f300d06092a864886f70d010101050003818d0030818902818100e0198f959520313a949ae2ea6f49f4e714129111a11e6f6d44af015b5e76cc615894180cd33871ef0114683d367f0418c224e8519b19c61bb99190080191be451d66db1398f7726e6d012416328ec23ef177c8cb349eafc73576a276a15a6b0577356b1528e99b0ceb69ee71bf7ec389f13c61ec4849bfa9ba2bac3b12ccf6f70203010001";

function unhex(s: string, extra: i32 = 0): usize {
  const n = s.length >> 1;
  const p = heap.alloc(n + extra);
  for (let i = 0; i < n; i++) store<u8>(p + i, <u8>I32.parseInt(s.substr(i * 2, 2), 16));
  return p;
}
const LEN: usize = 162;

describe("der_spki_parse", () => {
  it("parses the RSA-1024 vector key and locates modulus and exponent in place", () => {
    const p = unhex(SPKI_HEX);
    expect(der_spki_parse(p, LEN)).toBe(DER_OK);
    expect(der_spki_len()).toBe(LEN);
    expect(der_mod_ptr()).toBe(p + 29); // after 02 81 81 00
    expect(der_mod_len()).toBe(128);
    expect(der_mod_bits()).toBe(1024);
    expect(der_exp_ptr()).toBe(p + 159);
    expect(der_exp_len()).toBe(3);
    expect(load<u8>(der_exp_ptr())).toBe(1);
  });
  it("rejects every truncation", () => {
    const p = unhex(SPKI_HEX);
    for (let n: usize = 0; n < LEN; n++) expect(der_spki_parse(p, n)).not.toBe(DER_OK);
    expect(der_spki_parse(p, 100)).toBe(DER_TRUNCATED);
  });
  it("rejects a trailing byte but the prefix form stops at the key", () => {
    const p = unhex(SPKI_HEX + "00");
    expect(der_spki_parse(p, LEN + 1)).toBe(DER_TRAILING);
    expect(der_spki_parse_prefix(p, LEN + 1)).toBe(DER_OK);
    expect(der_spki_len()).toBe(LEN);
  });
  it("rejects a non-minimal long-form length", () => {
    const p = unhex("3082009f" + SPKI_HEX.substr(6));
    expect(der_spki_parse(p, LEN + 1)).toBe(DER_BAD_LENGTH);
    const q = unhex("3080" + SPKI_HEX.substr(6));
    expect(der_spki_parse(q, LEN - 1)).toBe(DER_BAD_LENGTH);
  });
  it("rejects another algorithm", () => {
    const p = unhex(SPKI_HEX);
    store<u8>(p + 15, 5); // 1.2.840.113549.1.1.5
    expect(der_spki_parse(p, LEN)).toBe(DER_BAD_ALGORITHM);
  });
  it("rejects a wrong tag", () => {
    const p = unhex(SPKI_HEX);
    store<u8>(p, 0x31);
    expect(der_spki_parse(p, LEN)).toBe(DER_BAD_TAG);
  });
  it("rejects a negative modulus", () => {
    const p = unhex(SPKI_HEX);
    store<u8>(p + 28, 0x80); // the sign byte
    expect(der_spki_parse(p, LEN)).toBe(DER_BAD_INTEGER);
  });
  it("rejects an even exponent", () => {
    const p = unhex(SPKI_HEX);
    store<u8>(p + LEN - 1, 0x02);
    expect(der_spki_parse(p, LEN)).toBe(DER_BAD_EXPONENT);
  });
});
