// The Mobility Header codec through host/core/mh.ts: the vectors (tests/vectors/) decode exactly, every
// malformed class is reported, the builder reproduces the vector bytes, and the CLI exit codes.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, writeFileSync, mkdtempSync, rmSync } from "node:fs";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { VECTORS_DIR } from "../../host/paths.js";
import { loadCore } from "../../host/wasm.js";
import { readPcap } from "../../host/pcap.js";
import { decodePacket, buildPacket, mhErrorName, type PacketSpec, type DecodeResult } from "../../host/core/mh.js";

const MH_DIR = join(VECTORS_DIR, "mh");
const core = loadCore();
const lines = (name: string) => readFileSync(join(MH_DIR, name), "utf8").trim().split("\n").map((l) => JSON.parse(l));
const valid = readPcap(join(MH_DIR, "valid.pcap")).packets.map((p) => p.data);
const validJson = lines("valid.jsonl");
const invalid = readPcap(join(MH_DIR, "invalid.pcap")).packets.map((p) => p.data);
const invalidJson = lines("invalid.jsonl");
const CLI = fileURLToPath(new URL("../../host/cli.js", import.meta.url));
const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");

function specOf(r: DecodeResult, packet: Uint8Array): PacketSpec {
  assert.ok(r.ok && r.mh);
  const m = r.mh;
  return {
    src: r.src, dst: r.dst, hoa: r.hoa, rh2: r.rh2, hopLimit: packet[7],
    mh: {
      type: m.type, seq: m.seq ?? undefined, lifetime: m.lifetime ?? undefined, status: m.status ?? undefined,
      flags: m.flags ? { A: m.flags.A ?? false, H: m.flags.H ?? false, L: m.flags.L ?? false, K: m.flags.K } : undefined,
      cookie: m.cookie ?? undefined, nonceIndex: m.nonceIndex ?? undefined, token: m.token ?? undefined,
      homeAddress: m.homeAddress ?? undefined,
      options: m.options.map((o) => ({ type: o.type, data: o.data ?? "" })),
    },
  };
}

test("valid.pcap decodes to exactly valid.jsonl (values and field order)", () => {
  assert.equal(valid.length, validJson.length);
  valid.forEach((packet, i) => {
    const { note, ...expected } = validJson[i];
    const got = decodePacket(core, packet);
    assert.deepEqual(got, { ok: true, ...expected }, `packet ${i}: ${note}`);
    assert.equal(JSON.stringify(got), JSON.stringify({ ok: true, ...expected }), `field order, packet ${i}`);
  });
});

test("every invalid.pcap packet gives ok:false with its error class", () => {
  assert.equal(invalid.length, invalidJson.length);
  const seen = new Set<string>();
  invalid.forEach((packet, i) => {
    const e = invalidJson[i];
    assert.deepEqual(decodePacket(core, packet), { ok: false, error: e.error, src: e.src, dst: e.dst }, `packet ${i}: ${e.why}`);
    seen.add(e.error);
  });
  for (const cls of ["checksum", "payload-proto", "header-len-min", "header-len-exceeds-packet", "option-overrun",
    "option-length", "bad-not-last", "hao-length", "truncated", "length-mismatch", "empty", "unknown-type"]) {
    assert.ok(seen.has(cls), `the vectors cover ${cls}`);
  }
});

test("buildPacket(decoded spec) reproduces every valid.pcap packet byte for byte", () => {
  valid.forEach((packet, i) => {
    const r = decodePacket(core, packet);
    const built = buildPacket(core, specOf(r, packet));
    const expected = packet;
    if (/Reserved byte/.test(validJson[i].note)) {
      // The decode does not expose the ignored Reserved byte; the builder writes 0, so only the
      // Reserved byte and the checksum may differ, and the rebuilt packet must decode the same.
      assert.equal(built.length, packet.length);
      const diff = [...packet].map((b, k) => (b !== built[k] ? k : -1)).filter((k) => k >= 0);
      assert.ok(diff.length >= 1 && diff.length <= 3, `packet ${i}: differs at ${diff}`);
      assert.deepEqual(decodePacket(core, built), r);
      return;
    }
    assert.equal(hex(built), hex(expected), `packet ${i}: ${validJson[i].note}`);
  });
});

test("crypto.json checksum vectors: HoA and RH2 address in the pseudo-header", () => {
  const vectors = JSON.parse(readFileSync(join(VECTORS_DIR, "crypto.json"), "utf8")).checksum;
  // BU: Home Address option carries the HoA; the wire source is the CoA.
  const bu = vectors[0];
  const buSpec: PacketSpec = {
    src: bu.wireSrc, dst: bu.dst, hoa: bu.src,
    mh: { type: 5, seq: 0x6b, flags: { A: true, H: true }, lifetime: 1000,
      options: [{ type: 4, data: "00000000" }, { type: 5, data: "00".repeat(12) }] },
  };
  const buPkt = buildPacket(core, buSpec);
  const mhAt = buPkt.length - bu.mh.length / 2;
  assert.equal(hex(buPkt.subarray(mhAt, mhAt + 4)) + "0000" + hex(buPkt.subarray(mhAt + 6)), bu.mh);
  assert.equal(hex(buPkt.subarray(mhAt + 4, mhAt + 6)), bu.checksum);
  const wrong = buPkt.slice();
  wrong.set(Buffer.from(bu.wrongIfWireSrcUsed, "hex"), mhAt + 4);
  assert.deepEqual(decodePacket(core, wrong), { ok: false, error: "checksum", src: bu.wireSrc, dst: bu.dst });
  // BA: type 2 routing header carries the HoA; the wire destination is the CoA.
  const ba = vectors[1];
  const baPkt = buildPacket(core, {
    src: ba.src, dst: ba.wireDst, rh2: ba.dst,
    mh: { type: 6, seq: 0x6b, status: 0, lifetime: 1000,
      options: [{ type: 1, data: "00000000" }, { type: 5, data: "00".repeat(12) }] },
  });
  const baAt = baPkt.length - ba.mh.length / 2;
  assert.equal(hex(baPkt.subarray(baAt, baAt + 4)) + "0000" + hex(baPkt.subarray(baAt + 6)), ba.mh);
  assert.equal(hex(baPkt.subarray(baAt + 4, baAt + 6)), ba.checksum);
  const r = decodePacket(core, baPkt);
  assert.ok(r.ok && r.mh?.checksumOk && r.rh2 === ba.dst);
});

test("builder: alignment padding, BAD last at 8n+2, fragmentation of long values", () => {
  const cga = "ab".repeat(600);
  const sig = "cd".repeat(256);
  const r = decodePacket(core, buildPacket(core, {
    src: "2001:db8::1", dst: "2001:db8::2", hoa: "2001:db8:1::5",
    mh: { type: 5, seq: 7, flags: { A: true, H: true }, lifetime: 10, options: [
      { type: 3, data: "20010db8000000000000000000000009" },
      { type: 12, data: cga }, { type: 13, data: sig },
      { type: 4, data: "00000003" }, { type: 5, data: "11".repeat(12) },
    ] },
  }));
  assert.ok(r.ok && r.mh);
  const types = r.mh.options.map((o) => `${o.type}:${o.len}`);
  // BU fixed part 12: PadN(0) to 14 = 8n+6; AltCoA to 32; CGA 255+255+90 to 638; Signature
  // 255+1 to 898; NI at 2n (898) to 904; PadN(0) to 906 = 8n+2; BAD to 920 = 8*115.
  assert.deepEqual(types, ["1:0", "3:16", "12:255", "12:255", "12:90", "13:255", "13:1", "4:4", "1:0", "5:12"]);
  assert.equal(r.mh.options.filter((o) => o.type === 12).map((o) => o.data).join(""), cga);
  // BA: Binding Refresh Advice at 2n right after the 12-byte fixed part, PHKT to 146 = 8n+2, BAD.
  const ba = decodePacket(core, buildPacket(core, {
    src: "2001:db8::1", dst: "2001:db8::2", rh2: "2001:db8:1::5",
    mh: { type: 6, seq: 7, status: 0, lifetime: 10, options: [
      { type: 2, data: "0010" }, { type: 14, data: "ee".repeat(128) }, { type: 5, data: "22".repeat(12) }] },
  }));
  assert.ok(ba.ok && ba.mh);
  assert.deepEqual(ba.mh.options.map((o) => `${o.type}:${o.len}`), ["2:2", "14:128", "5:12"]);
  // CoTI fixed part 16, unknown option to 19, Pad1 so NI sits at 2n, PadN(4) to 32.
  const coti = buildPacket(core, { src: "2001:db8::1", dst: "2001:db8::2",
    mh: { type: 2, cookie: "0102030405060708", options: [{ type: 200, data: "aa" }, { type: 4, data: "00010002" }] } });
  const c = decodePacket(core, coti);
  assert.ok(c.ok && c.mh);
  assert.deepEqual(c.mh.options.map((o) => `${o.type}:${o.len}`), ["200:1", "0:null", "4:4", "1:4"]);
  assert.equal((coti.length - 40) % 8, 0);
  // Two adjacent fragmentable values of different types, one exactly 255: no empty fragment.
  const p = decodePacket(core, buildPacket(core, { src: "::1", dst: "::2",
    mh: { type: 5, options: [{ type: 12, data: "01".repeat(255) }, { type: 13, data: "02".repeat(510) }] } }));
  assert.ok(p.ok && p.mh);
  assert.deepEqual(p.mh.options.map((o) => `${o.type}:${o.len}`).slice(0, 3), ["12:255", "13:255", "13:255"]);
  // Too long for any MH, and a non-fragmentable value over 255 bytes.
  assert.throws(() => buildPacket(core, { src: "::1", dst: "::2", mh: { type: 5, options: [{ type: 12, data: "00".repeat(3000) }] } }), /build-option/);
  assert.throws(() => buildPacket(core, { src: "::1", dst: "::2", mh: { type: 5, options: [{ type: 200, data: "00".repeat(256) }] } }), /build-option/);
});

test("malformed fragments, duplicates and extension headers give distinct errors", () => {
  const base = (options: { type: number; data: string }[]) =>
    buildPacket(core, { src: "2001:db8::1", dst: "2001:db8::2", hoa: "2001:db8::3", mh: { type: 5, options } });
  // a short CGA Parameters fragment followed by another: built as two explicit options
  assert.equal(decodeErr(base([{ type: 12, data: "00".repeat(10) }, { type: 12, data: "00".repeat(10) }])), "option-fragment");
  // a second CGA Parameters value after padding
  assert.equal(decodeErr(base([{ type: 12, data: "00".repeat(10) }, { type: 0, data: "" }, { type: 12, data: "00" }])), "option-fragment");
  // an empty fragment
  assert.equal(decodeErr(base([{ type: 13, data: "" }])), "option-length");
  // BRA, AltCoA, CoTI, CoT option lengths
  for (const [type, data] of [[2, "00"], [3, "00".repeat(8)], [15, "00"], [16, "00".repeat(4)], [11, "00"]] as const) {
    assert.equal(decodeErr(base([{ type, data }])), "option-length", `type ${type}`);
  }
  const pkt = base([{ type: 4, data: "00000000" }, { type: 5, data: "00".repeat(12) }]);
  // IPv6 version 4, short header, payload length past the capture
  const v4 = pkt.slice(); v4[0] = 0x40;
  assert.equal(decodeErr(v4), "not-ipv6");
  assert.equal(decodeErr(pkt.subarray(0, 39)), "truncated");
  assert.equal(decodeErr(pkt.subarray(0, pkt.length - 1)), "truncated");
  // Destination Options header running past the payload / option overrun inside it
  const doLong = pkt.slice(); doLong[41] = 200;
  assert.equal(decodeErr(doLong), "truncated");
  const optOver = pkt.slice(); optOver[43] = 30; // PadN length past the header
  assert.equal(decodeErr(optOver), "option-overrun");
  // bytes after the IPv6 payload (Ethernet trailer) are ignored
  const padded = new Uint8Array(pkt.length + 6); padded.set(pkt);
  assert.ok(decodePacket(core, padded).ok);
});

function decodeErr(p: Uint8Array): string {
  const r = decodePacket(core, p);
  return r.ok ? "ok" : r.error;
}

test("no MH, later fragments, first fragments: mh null", () => {
  const pkt = valid[0];
  // ICMPv6 echo (no extension header): mh null
  const icmp = new Uint8Array(48); icmp.set(pkt.subarray(0, 40)); icmp[4] = 0; icmp[5] = 8; icmp[6] = 58;
  assert.deepEqual(decodePacket(core, icmp), { ok: true, src: validJson[0].src, dst: validJson[0].dst, hoa: null, rh2: null, mh: null });
  // Fragment header, offset 8 (a non-first fragment), then garbage
  const frag = new Uint8Array(40 + 8 + 16); frag.set(pkt.subarray(0, 40)); frag[4] = 0; frag[5] = 24; frag[6] = 44;
  frag[40] = 135; frag[42] = 0; frag[43] = 8 << 3; frag.fill(0xff, 48);
  assert.deepEqual(decodePacket(core, frag), { ok: true, src: validJson[0].src, dst: validJson[0].dst, hoa: null, rh2: null, mh: null });
  // Atomic fragment (offset 0, M 0) in front of a valid MH decodes the MH.
  const inner = valid[31];
  const atomic = new Uint8Array(inner.length + 8);
  atomic.set(inner.subarray(0, 40)); atomic[6] = 44;
  const pl = inner.length - 40 + 8; atomic[4] = pl >> 8; atomic[5] = pl & 0xff;
  atomic[40] = inner[6]; atomic.set(inner.subarray(40), 48);
  const r = decodePacket(core, atomic);
  assert.ok(r.ok && r.mh, JSON.stringify(r));
});

test("every prefix of every vector decodes without throwing", () => {
  for (const packet of [...valid, ...invalid]) {
    for (let n = 0; n <= packet.length; n++) {
      const r = decodePacket(core, packet.subarray(0, n));
      if (n < packet.length && n >= 40) assert.equal(r.ok, false);
    }
  }
  assert.equal(mhErrorName(-10), "checksum");
});

function cli(args: string[]) {
  return spawnSync(process.execPath, ["--disable-warning=ExperimentalWarning", CLI, ...args], { encoding: "utf8" });
}

test("fama decode: a pcap of valid messages gives the vectors' JSON lines, exit 0", () => {
  const out = cli(["decode", join(MH_DIR, "valid.pcap")]);
  assert.equal(out.status, 0, out.stderr);
  const got = out.stdout.trim().split("\n").map((l) => JSON.parse(l));
  assert.deepEqual(got, validJson.map(({ note, ...e }) => { void note; return { ok: true, ...e }; }));
});

test("fama decode: a pcap of malformed messages gives each error class, exit 0", () => {
  const inv = cli(["decode", join(MH_DIR, "invalid.pcap")]);
  assert.equal(inv.status, 0);
  assert.deepEqual(inv.stdout.trim().split("\n").map((l) => JSON.parse(l).error), invalidJson.map((e) => e.error));
});

test("fama decode --hex: one packet, the same JSON as the wrapper, exit 0", () => {
  const one = cli(["decode", "--hex", hex(valid[7])]);
  assert.equal(one.status, 0);
  assert.deepEqual(JSON.parse(one.stdout), decodePacket(core, valid[7]));
});

test("fama decode: a missing file exits 2", () => {
  const missing = cli(["decode", "/nonexistent/x.pcap"]);
  assert.equal(missing.status, 2);
  assert.match(missing.stderr, /cannot read/);
});

test("fama decode --hex: bad hex exits 2", () => {
  const badHex = cli(["decode", "--hex", "60zz"]);
  assert.equal(badHex.status, 2);
  assert.match(badHex.stderr, /hex/);
});

test("fama decode: a file that is not a pcap exits 2", () => {
  const dir = mkdtempSync(join(tmpdir(), "fama-decode-"));
  try {
    writeFileSync(join(dir, "junk.pcap"), "this is not a pcap file at all");
    const junk = cli(["decode", join(dir, "junk.pcap")]);
    assert.equal(junk.status, 2);
    assert.match(junk.stderr, /not a classic pcap/);
  } finally { rmSync(dir, { recursive: true, force: true }); }
});

test("fama decode: no input exits 2", () => {
  assert.equal(cli(["decode"]).status, 2);
});

test("inputs that end exactly at the end of linear memory never read past it", () => {
  const own = loadCore();
  const mem = own.exports.memory;
  mem.grow(1); // a page the core's allocator never hands out
  const decode = own.exports.mh_decode as (ptr: number, len: number) => number;
  let checked = 0;
  for (const packet of [...valid, ...invalid]) {
    for (let n = 0; n <= packet.length; n++) {
      const at = mem.buffer.byteLength - n;
      new Uint8Array(mem.buffer).set(packet.subarray(0, n), at);
      decode(at, n); // a read past the end would trap (RuntimeError)
      checked++;
    }
    // The full packet at the end decodes the same as anywhere else.
    const at = mem.buffer.byteLength - packet.length;
    new Uint8Array(mem.buffer).set(packet, at);
    assert.equal(decode(at, packet.length), (core.exports.mh_decode as (p: number, l: number) => number)(
      core.copyIn(packet), packet.length));
  }
  assert.ok(checked > 1000);
});
