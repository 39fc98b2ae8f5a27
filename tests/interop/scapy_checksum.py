#!/usr/bin/python3
"""Recomputes the Mobility Header checksum of every packet of a pcap with scapy
and prints one JSON array: per packet the checksum on the wire and the one
scapy computes for the same bytes.

    /usr/bin/python3 scapy_checksum.py FILE.pcap

RFC 6275 section 6.1.1 / PROTOCOL.md section 3: the pseudo-header source is
the Home Address option's address when there is one, the destination the
type 2 routing header's address when there is one. Two ways, both scapy's:
  * `inChksum`: scapy's in6_chksum over the MH bytes with the checksum field
    zeroed, for a pseudo-header IPv6(src=HoA or source, dst=RH2 or destination);
  * `rebuilt`: the packet re-made from scapy's dissection as
    IPv6 / DestOpt(HAO) / Routing(type 2) / MH with the cksum field deleted,
    so scapy's own post_build fills it (null if scapy does not re-serialize the
    dissected MH to the same bytes, e.g. options it does not know).
"""
import json
import struct
import sys

from scapy.compat import raw
from scapy.layers.inet6 import (IPv6, IPv6ExtHdrDestOpt, IPv6ExtHdrRouting, HAO,
                                in6_chksum, _MobilityHeader)
from scapy.utils import RawPcapReader
import ipaddress


def ntop(b):
    return str(ipaddress.IPv6Address(bytes(b)))


def locate(wire):
    """Offset of the MH, the HoA and the RH2 address, walking the extension headers."""
    nh, off, hoa, rh2 = wire[6], 40, None, None
    while nh in (0, 43, 60, 44) and off + 8 <= len(wire):
        if nh == 44:
            nh, off = wire[off], off + 8
            continue
        hlen = (wire[off + 1] + 1) * 8
        if nh == 60:
            i = off + 2
            while i + 1 < min(off + hlen, len(wire)):
                if wire[i] == 0:
                    i += 1
                    continue
                if wire[i] == 0xC9 and wire[i + 1] == 16 and i + 18 <= len(wire):
                    hoa = ntop(wire[i + 2:i + 18])
                i += 2 + wire[i + 1]
        if nh == 43 and wire[off + 2] == 2 and off + 24 <= len(wire):
            rh2 = ntop(wire[off + 8:off + 24])
        nh, off = wire[off], off + hlen
    return (off if nh == 135 else None), hoa, rh2


def one(wire):
    off, hoa, rh2 = locate(wire)
    if off is None or len(wire) < off + 6:
        return None  # no MH, or one too short to hold a checksum (malformed vectors)
    ip = IPv6(wire)
    mh = bytearray(wire[off:])
    wire_ck = struct.unpack("!H", mh[4:6])[0]
    mh[4:6] = b"\0\0"
    src, dst = hoa or ip.src, rh2 or ip.dst
    in_ck = in6_chksum(135, IPv6(src=src, dst=dst), bytes(mh))

    rebuilt = None
    layer = ip
    while layer is not None and not isinstance(layer, _MobilityHeader):
        layer = layer.payload if layer.payload else None
    if layer is not None and raw(layer) == wire[off:]:
        mhl = layer.copy()
        del mhl.cksum
        fresh = IPv6(src=ip.src, dst=ip.dst)
        if hoa:
            fresh = fresh / IPv6ExtHdrDestOpt(options=[HAO(hoa=hoa)])
        if rh2:
            fresh = fresh / IPv6ExtHdrRouting(type=2, segleft=1, addresses=[rh2])
        built = raw(fresh / mhl)
        rebuilt = struct.unpack("!H", built[len(built) - len(mh) + 4:len(built) - len(mh) + 6])[0]
    return {"wire": wire_ck, "inChksum": in_ck, "rebuilt": rebuilt, "pseudoSrc": src, "pseudoDst": dst}


def main():
    out = [one(bytes(data)) for data, _meta in RawPcapReader(sys.argv[1])]
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
