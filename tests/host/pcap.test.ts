// host/pcap.ts: classic pcap read (both byte orders, µs and ns, link types 101/229/1 with VLAN
// tags) and write (µs little-endian), with clear InputErrors on bad files.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, mkdtempSync } from "node:fs";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { VECTORS_DIR } from "../../host/paths.js";
import { readPcap, writePcap, encodePcap } from "../../host/pcap.js";
import { InputError } from "../../host/errors.js";

const VALID = join(VECTORS_DIR, "mh", "valid.pcap");

/** Re-encodes a pcap by hand in the given byte order / precision (independent of encodePcap). */
function handPcap(packets: { tsSec: number; frac: number; frame: Uint8Array }[], opts: { little: boolean; nano: boolean; linkType: number }): Uint8Array {
  const out = new Uint8Array(24 + packets.reduce((n, p) => n + 16 + p.frame.length, 0));
  const v = new DataView(out.buffer);
  v.setUint32(0, opts.nano ? 0xa1b23c4d : 0xa1b2c3d4, opts.little);
  v.setUint16(4, 2, opts.little); v.setUint16(6, 4, opts.little);
  v.setUint32(16, 65535, opts.little); v.setUint32(20, opts.linkType, opts.little);
  let off = 24;
  for (const p of packets) {
    v.setUint32(off, p.tsSec, opts.little); v.setUint32(off + 4, p.frac, opts.little);
    v.setUint32(off + 8, p.frame.length, opts.little); v.setUint32(off + 12, p.frame.length, opts.little);
    out.set(p.frame, off + 16); off += 16 + p.frame.length;
  }
  return out;
}

test("reads the vector pcap (link type 101, µs) and writes it back byte for byte", () => {
  const bytes = readFileSync(VALID);
  const pcap = readPcap(VALID);
  assert.equal(pcap.linkType, 101);
  assert.equal(pcap.packets.length, 45);
  assert.equal(pcap.packets[0].data[0] >> 4, 6);
  const dir = mkdtempSync(join(tmpdir(), "fama-pcap-"));
  writePcap(join(dir, "out.pcap"), pcap.packets);
  const again = readPcap(join(dir, "out.pcap"));
  assert.deepEqual(again.packets.map((p) => [p.tsSec, p.tsUsec, Buffer.from(p.data).toString("hex")]),
    pcap.packets.map((p) => [p.tsSec, p.tsUsec, Buffer.from(p.data).toString("hex")]));
  // The vector file's header fields are the ones encodePcap writes, so the bytes match too.
  assert.equal(Buffer.from(encodePcap(pcap.packets)).subarray(24).toString("hex"), bytes.subarray(24).toString("hex"));
});

test("big-endian and nanosecond files, link type 229", () => {
  const frame = new Uint8Array([0x60, 0, 0, 0, 0, 0, 59, 64, ...new Array(32).fill(1)]);
  for (const little of [true, false]) {
    for (const nano of [true, false]) {
      const file = handPcap([{ tsSec: 1700000000, frac: nano ? 123456789 : 123456, frame }], { little, nano, linkType: 229 });
      const pcap = readPcap(file);
      assert.equal(pcap.linkType, 229);
      assert.equal(pcap.packets[0].tsSec, 1700000000);
      assert.equal(pcap.packets[0].tsUsec, 123456, `little=${little} nano=${nano}`);
      assert.deepEqual(pcap.packets[0].data, frame);
    }
  }
});

test("Ethernet frames: 14-byte header, 802.1Q and QinQ tags skipped", () => {
  const ip = new Uint8Array([0x60, 0, 0, 0, 0, 0, 59, 64, ...new Array(32).fill(2)]);
  const mac = new Array(12).fill(0xaa);
  const plain = new Uint8Array([...mac, 0x86, 0xdd, ...ip]);
  const vlan = new Uint8Array([...mac, 0x81, 0x00, 0x00, 0x0a, 0x86, 0xdd, ...ip]);
  const qinq = new Uint8Array([...mac, 0x88, 0xa8, 0x00, 0x01, 0x81, 0x00, 0x00, 0x0a, 0x86, 0xdd, ...ip]);
  const v4 = new Uint8Array([...mac, 0x08, 0x00, 0x45, 0, 0, 20]);
  const pcap = readPcap(encodePcap([plain, vlan, qinq, v4].map((data) => ({ data })), 1));
  assert.equal(pcap.linkType, 1);
  for (const p of pcap.packets.slice(0, 3)) {
    assert.deepEqual(p.data, ip);
    assert.equal(p.etherType, 0x86dd);
  }
  assert.equal(pcap.packets[3].etherType, 0x0800);
});

const goodFile = encodePcap([{ data: new Uint8Array(40) }]);
const badFiles: [string, string | Uint8Array, RegExp][] = [
  ["a missing file", "/nonexistent/file.pcap", /cannot read .*ENOENT/],
  ["a file shorter than the header", new Uint8Array(10), /no 24-byte header/],
  ["a header without the pcap magic", new Uint8Array(24), /not a classic pcap/],
  ["a record running past the end", goodFile.subarray(0, goodFile.length - 1), /runs past the end/],
  ["a truncated record header", goodFile.subarray(0, 30), /truncated record header/],
  ["an unsupported link type", encodePcap([], 113), /link type 113/],
];
for (const [what, source, message] of badFiles) {
  test(`bad file, ${what}: a clear InputError`, () => {
    assert.throws(() => readPcap(source), (e) => e instanceof InputError && message.test(e.message));
  });
}

test("packet data is a plain Uint8Array: slice() copies", () => {
  const p = readPcap(VALID).packets[0].data;
  assert.equal(Object.getPrototypeOf(p), Uint8Array.prototype);
  const copy = p.slice();
  copy[0] ^= 0xff;
  assert.equal(p[0], 0x60);
});
