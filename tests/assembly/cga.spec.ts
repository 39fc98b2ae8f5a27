import { cga_verify, cga_generate, cga_last_sec, cga_key_offset, cga_key_len, cga_mod_len,
  CGA_OK, CGA_PREFIX_MISMATCH, CGA_BAD_COLLISION_COUNT, CGA_HASH1_MISMATCH, CGA_HASH2_FAILS, CGA_KEY_TRUNCATED, CGA_BAD_LENGTH,
  CGA_SEC_TOO_LOW } from "../../assembly/cga/cga";
import { cga_search_start, cga_search_step, cga_search_modifier, cga_search_attempts, CGA_SEARCH_OK } from "../../assembly/cga/cga-search";
import { unhex, hex } from "./bytes";

// tests/vectors/cga.json, case "Sec 1, collision count 0" (RSA-1024)
const MODIFIER = "3c1a1cdfc424014b14d2926221eaa633";
const SPKI = "30819f300d06092a864886f70d010101050003818d0030818902818100e0198f959520313a949ae2ea6f49f4e714129111a11e6f6d44af015b5e76cc615894180cd33871ef0114683d367f0418c224e8519b19c61bb99190080191be451d66db1398f7726e6d012416328ec23ef177c8cb349eafc73576a276a15a6b0577356b1528e99b0ceb69ee71bf7ec389f13c61ec4849bfa9ba2bac3b12ccf6f70203010001";
const PARAMS = MODIFIER + "20010db80100000100" + SPKI;
const ADDRESS = "20010db8010000012453" + "7a9be2f71561";

const PLEN: usize = 25 + 162;

describe("cga_verify", () => {
  it("accepts the vector and reports Sec and the key", () => {
    expect(cga_verify(unhex(ADDRESS), unhex(PARAMS), PLEN, 0)).toBe(CGA_OK);
    expect(cga_last_sec()).toBe(1);
    expect(cga_key_offset()).toBe(25);
    expect(cga_key_len()).toBe(162);
    expect(cga_mod_len()).toBe(128);
    expect(cga_verify(unhex(ADDRESS), unhex(PARAMS), PLEN, 1)).toBe(CGA_OK);
    expect(cga_verify(unhex(ADDRESS), unhex(PARAMS), PLEN, 2)).toBe(CGA_SEC_TOO_LOW);
  });
  it("fails each check with its own code", () => {
    const a = unhex(ADDRESS);
    let p = unhex(PARAMS);
    store<u8>(p + 24, 3);
    expect(cga_verify(a, p, PLEN, 0)).toBe(CGA_BAD_COLLISION_COUNT);
    p = unhex(PARAMS);
    store<u8>(p + 20, 0x02);
    expect(cga_verify(a, p, PLEN, 0)).toBe(CGA_PREFIX_MISMATCH);
    p = unhex(PARAMS);
    expect(cga_verify(a, p, PLEN - 10, 0)).toBe(CGA_KEY_TRUNCATED);
    expect(cga_verify(a, p, 24, 0)).toBe(CGA_BAD_LENGTH);
    const b = unhex(ADDRESS);
    store<u8>(b + 15, load<u8>(b + 15) ^ 1);
    expect(cga_verify(b, p, PLEN, 0)).toBe(CGA_HASH1_MISMATCH);
    const c = unhex(ADDRESS);
    store<u8>(c + 8, load<u8>(c + 8) | 0x40); // Sec 1 -> 3
    expect(cga_verify(c, p, PLEN, 0)).toBe(CGA_HASH2_FAILS);
  });
});

describe("cga search and generation", () => {
  it("finds the vector modifier from a few below it, then forms the vector address", () => {
    const start = unhex("3c1a1cdfc424014b14d2926221eaa62e"); // vector modifier - 5
    const key = unhex(SPKI);
    expect(cga_search_start(start, key, 162, 0, 0, 1)).toBe(CGA_SEARCH_OK);
    expect(cga_search_step(3)).toBe(0);
    expect(hex(cga_search_modifier(), 16)).toBe("3c1a1cdfc424014b14d2926221eaa631");
    expect(cga_search_step(100)).toBe(1);
    expect(cga_search_attempts()).toBe(6);
    expect(hex(cga_search_modifier(), 16)).toBe(MODIFIER);
    const addr = heap.alloc(16);
    const params = heap.alloc(512);
    const prefix = unhex("20010db801000001");
    expect(cga_generate(addr, params, 512, cga_search_modifier(), prefix, 0, 1, key, 162, 0, 0)).toBe(<i32>PLEN);
    expect(hex(addr, 16)).toBe(ADDRESS);
    expect(hex(params, PLEN)).toBe(PARAMS);
    expect(cga_generate(addr, params, 512, start, prefix, 0, 1, key, 162, 0, 0)).toBe(-2);
    expect(cga_generate(addr, params, 100, cga_search_modifier(), prefix, 0, 1, key, 162, 0, 0)).toBe(-1);
  });
});
