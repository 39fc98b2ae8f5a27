import { tok_careof_keygen, tok_kbm, tok_kbm_dereg, tok_authenticator, tok_authenticator_check, tok_sign_digest } from "../../assembly/cga/tokens";
import { unhex, hex } from "./bytes";

const out = heap.alloc(32);
const COA = "20010db80200000130e6b2c180252d5f";
const ANCHOR = "20010db8010000ff0000000000000001";

// tests/vectors/crypto.json
describe("tokens", () => {
  it("care-of keygen token", () => {
    tok_careof_keygen(unhex("3635e0371533acc7e5f89fbb2bdf842e4e29a2fb"), unhex(COA), unhex("1532d47ffff067fd"), out);
    expect(hex(out, 8)).toBe("c7cc43d14d39b6bd");
  });
  it("Kbm in every mode", () => {
    tok_kbm(0, 0, out);
    expect(hex(out, 20)).toBe("e129f27c5103bc5cc44bcdf0a15e160d445066ff");
    tok_kbm(0, unhex("c7cc43d14d39b6bd"), out);
    expect(hex(out, 20)).toBe("ace9cc641f8b9042f288cfd2460dc3990bb7640e");
    tok_kbm(unhex("47a232d114f652fe"), 0, out);
    expect(hex(out, 20)).toBe("9d73d4759cfde26c78fc54b71360cd41ccb65cd8");
    tok_kbm(unhex("47a232d114f652fe"), unhex("c7cc43d14d39b6bd"), out);
    expect(hex(out, 20)).toBe("acd88846f3914f69f7c07247c9f341f130b38a92");
    tok_kbm_dereg(unhex("47a232d114f652fe"), out);
    expect(hex(out, 20)).toBe("30012ba7021cbaed0d49f0cac157cf3f6712de4c");
  });
  it("authenticator over an MH whose checksum is set, in place", () => {
    // phkt-mode BU, coni 0: the MH as sent (checksum c9c6) with its authenticator
    const mh = unhex("3b030500c9c6006bc00003e8040400000000050c803c16b9746caa952f224d56");
    const kbm = unhex("9d73d4759cfde26c78fc54b71360cd41ccb65cd8");
    expect(tok_authenticator(kbm, unhex(COA), unhex(ANCHOR), mh, 20, out)).toBe(0);
    expect(hex(out, 12)).toBe("803c16b9746caa952f224d56");
    expect(hex(mh, 6)).toBe("3b030500c9c6"); // not modified
    expect(tok_authenticator_check(kbm, unhex(COA), unhex(ANCHOR), mh, 20)).toBe(true);
    store<u8>(mh + 31, load<u8>(mh + 31) ^ 1);
    expect(tok_authenticator_check(kbm, unhex(COA), unhex(ANCHOR), mh, 20)).toBe(false);
    expect(tok_authenticator(kbm, unhex(COA), unhex(ANCHOR), mh, 5, out)).toBe(-1);
  });
  it("authenticators under alternating keys match their vectors (the kept key never leaks into the next)", () => {
    const mh = unhex("3b030500c9c6006bc00003e8040400000000050c803c16b9746caa952f224d56");
    const k1 = unhex("9d73d4759cfde26c78fc54b71360cd41ccb65cd8");
    const k2 = unhex("e129f27c5103bc5cc44bcdf0a15e160d445066ff");
    const a2 = heap.alloc(12);
    expect(tok_authenticator(k2, unhex(COA), unhex(ANCHOR), mh, 20, a2)).toBe(0);
    for (let i = 0; i < 3; i++) {
      expect(tok_authenticator(k1, unhex(COA), unhex(ANCHOR), mh, 20, out)).toBe(0);
      expect(hex(out, 12)).toBe("803c16b9746caa952f224d56");
      expect(tok_authenticator(k1, unhex(COA), unhex(ANCHOR), mh, 20, out)).toBe(0);
      expect(hex(out, 12)).toBe("803c16b9746caa952f224d56");
      expect(tok_authenticator(k2, unhex(COA), unhex(ANCHOR), mh, 20, out)).toBe(0);
      expect(hex(out, 12)).toBe(hex(a2, 12));
    }
    expect(hex(a2, 12)).not.toBe("803c16b9746caa952f224d56");
  });
  it("signed-data digest treats the checksum as zero", () => {
    const a = unhex("3b0305000000006bc00003e8");
    const b = unhex("3b030500ffff006bc00003e8");
    const da = heap.alloc(20);
    expect(tok_sign_digest(unhex(COA), unhex(ANCHOR), a, 12, da)).toBe(0);
    expect(tok_sign_digest(unhex(COA), unhex(ANCHOR), b, 12, out)).toBe(0);
    expect(hex(out, 20)).toBe(hex(da, 20));
  });
});
