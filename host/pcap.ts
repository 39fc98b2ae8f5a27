// Classic pcap files (https://www.tcpdump.org/manpages/pcap-savefile.5.html): reading both byte
// orders with microsecond or nanosecond timestamps, writing microsecond little-endian. Link
// types: 101 (raw IP), 229 (IPv6), 1 (Ethernet, with 802.1Q / 802.1ad tags skipped).
// Every packet comes back as its IP packet; an Ethernet frame that is not IPv6 keeps its payload
// after the link header (the decoder then reports it as not IPv6), so packet indices stay aligned
// with the file.
import { readFileSync, writeFileSync } from "node:fs";
import { InputError } from "./errors.js";

export const LINKTYPE_ETHERNET = 1;
export const LINKTYPE_RAW = 101;
export const LINKTYPE_IPV6 = 229;

export interface PcapPacket {
  tsSec: number;
  tsUsec: number;
  /** The IPv6 packet (link header removed). */
  data: Uint8Array;
  /** Bytes on the wire, when the capture cut the packet (orig_len > incl_len). */
  origLen?: number;
  /** EtherType of an Ethernet frame (0x86dd for IPv6). */
  etherType?: number;
}

export interface Pcap {
  linkType: number;
  packets: PcapPacket[];
}

const MAGIC_US = 0xa1b2c3d4;
const MAGIC_NS = 0xa1b23c4d;
const ETHERTYPE_IPV6 = 0x86dd;
const ETHERTYPE_VLAN = [0x8100, 0x88a8, 0x9100];

/** Strips the link-layer header of one frame. */
function linkPayload(linkType: number, frame: Uint8Array): { data: Uint8Array; etherType?: number } {
  if (linkType === LINKTYPE_RAW || linkType === LINKTYPE_IPV6) return { data: frame };
  // Ethernet: dst(6) src(6) type(2), then any number of 4-byte VLAN tags.
  let off = 12;
  let type = -1;
  while (off + 2 <= frame.length) {
    type = (frame[off] << 8) | frame[off + 1];
    off += 2;
    if (!ETHERTYPE_VLAN.includes(type)) break;
    off += 2; // the tag control information; the next 2 bytes are the inner EtherType
  }
  return { data: frame.subarray(Math.min(off, frame.length)), etherType: type < 0 ? undefined : type };
}

/** Reads a classic pcap file (a path or its bytes). */
export function readPcap(source: string | Uint8Array): Pcap {
  let buf: Uint8Array;
  let name = "pcap data";
  if (typeof source === "string") {
    name = source;
    try {
      // A plain Uint8Array view, not a Buffer: Buffer#slice shares memory, Uint8Array#slice copies.
      const file = readFileSync(source);
      buf = new Uint8Array(file.buffer, file.byteOffset, file.byteLength);
    } catch (err) {
      throw new InputError(`cannot read ${source}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
    }
  } else {
    buf = new Uint8Array(source.buffer, source.byteOffset, source.byteLength);
  }
  if (buf.length < 24) throw new InputError(`${name}: not a pcap file (${buf.length} bytes, no 24-byte header)`);
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  let little: boolean;
  let nano: boolean;
  const le = view.getUint32(0, true);
  const be = view.getUint32(0, false);
  if (le === MAGIC_US || le === MAGIC_NS) { little = true; nano = le === MAGIC_NS; }
  else if (be === MAGIC_US || be === MAGIC_NS) { little = false; nano = be === MAGIC_NS; }
  else throw new InputError(`${name}: not a classic pcap file (magic 0x${be.toString(16).padStart(8, "0")}; pcapng is not supported)`);
  const linkType = view.getUint32(20, little) & 0x0fffffff; // upper bits: FCS length flags
  if (![LINKTYPE_ETHERNET, LINKTYPE_RAW, LINKTYPE_IPV6].includes(linkType)) {
    throw new InputError(`${name}: link type ${linkType} is not supported (use 1, 101 or 229)`);
  }
  const packets: PcapPacket[] = [];
  let off = 24;
  while (off < buf.length) {
    if (off + 16 > buf.length) throw new InputError(`${name}: truncated record header at byte ${off}`);
    const tsSec = view.getUint32(off, little);
    const frac = view.getUint32(off + 4, little);
    const incl = view.getUint32(off + 8, little);
    const orig = view.getUint32(off + 12, little);
    off += 16;
    if (off + incl > buf.length) {
      throw new InputError(`${name}: packet ${packets.length} runs past the end of the file (${incl} bytes at byte ${off})`);
    }
    const frame = buf.subarray(off, off + incl);
    off += incl;
    const { data, etherType } = linkPayload(linkType, frame);
    const p: PcapPacket = { tsSec, tsUsec: nano ? Math.floor(frac / 1000) : frac, data };
    if (orig > incl) p.origLen = orig;
    if (etherType !== undefined) p.etherType = etherType;
    packets.push(p);
  }
  return { linkType, packets };
}

/** Encodes packets as a microsecond little-endian pcap file. */
export function encodePcap(packets: { tsSec?: number; tsUsec?: number; data: Uint8Array }[], linkType = LINKTYPE_RAW): Uint8Array {
  const size = 24 + packets.reduce((n, p) => n + 16 + p.data.length, 0);
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  view.setUint32(0, MAGIC_US, true);
  view.setUint16(4, 2, true);
  view.setUint16(6, 4, true);
  view.setInt32(8, 0, true);
  view.setUint32(12, 0, true);
  view.setUint32(16, 65535, true);
  view.setUint32(20, linkType, true);
  let off = 24;
  for (const p of packets) {
    view.setUint32(off, p.tsSec ?? 0, true);
    view.setUint32(off + 4, p.tsUsec ?? 0, true);
    view.setUint32(off + 8, p.data.length, true);
    view.setUint32(off + 12, p.data.length, true);
    out.set(p.data, off + 16);
    off += 16 + p.data.length;
  }
  return out;
}

/** Writes packets to a microsecond little-endian pcap file. */
export function writePcap(path: string, packets: { tsSec?: number; tsUsec?: number; data: Uint8Array }[], linkType = LINKTYPE_RAW): void {
  try {
    writeFileSync(path, encodePcap(packets, linkType));
  } catch (err) {
    throw new InputError(`cannot write ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
}
