#!/usr/bin/python3
"""Builds Router Advertisements with scapy's own ND layers and writes them to a
pcap (DLT 101, raw IPv6) plus one JSON line per packet saying what scapy put in
(valid ones, in the shape of host/core/nd.ts's RouterAdvert) or which error
class fama must answer (malformed ones).

    /usr/bin/python3 scapy_ra.py SEED COUNT OUT.pcap OUT.jsonl

Valid RAs: random header fields and flags (M, O, H, Prf, P), every PIO flag
combination (L, A, R) in turn with random prefix lengths and lifetimes
(infinite ones too), MTU, SLLA, Advertisement Interval, Home Agent
Information, and options fama does not know (RDNSS, DNSSL, Route Information,
unassigned types) which it must skip. The expectation is read back from
scapy's dissection of the built bytes (option by option), not from the values
asked for.
Malformed RAs: one per error class, each several times with random content.
"""
import ipaddress
import json
import logging
import random
import sys

from scapy.compat import raw
from scapy.layers.inet6 import (
    IPv6, IPv6ExtHdrHopByHop, ICMPv6ND_RA, ICMPv6ND_RS, ICMPv6NDOptPrefixInfo, ICMPv6NDOptMTU,
    ICMPv6NDOptSrcLLAddr, ICMPv6NDOptAdvInterval, ICMPv6NDOptHAInfo, ICMPv6NDOptRDNSS,
    ICMPv6NDOptDNSSL, ICMPv6NDOptRouteInfo, ICMPv6NDOptUnknown, in6_chksum,
)
from scapy.packet import Raw
from scapy.utils import PcapWriter

# The malformed cases build ICMPv6 bytes without an IPv6 layer and set the checksum themselves.
logging.getLogger("scapy.runtime").setLevel(logging.ERROR)

KNOWN = {1, 3, 5, 7, 8}


def rand_addr(rng):
    return str(ipaddress.IPv6Address(rng.getrandbits(128)))


def link_local(rng):
    return str(ipaddress.IPv6Address((0xfe80 << 112) | rng.getrandbits(64)))


def lifetime(rng):
    return rng.choice([0, 0xffffffff, rng.randrange(1, 1 << 32), rng.randrange(1, 100000)])


def random_options(rng, combo):
    opts = []
    pios = [combo] + [rng.randrange(8) for _ in range(rng.randrange(0, 4))]
    for flags in pios:
        opts.append(ICMPv6NDOptPrefixInfo(
            prefixlen=rng.randrange(0, 129), L=flags >> 2 & 1, A=flags >> 1 & 1, R=flags & 1,
            validlifetime=lifetime(rng), preferredlifetime=lifetime(rng), prefix=rand_addr(rng)))
    for _ in range(rng.randrange(0, 6)):
        kind = rng.randrange(8)
        if kind == 0:
            opts.append(ICMPv6NDOptMTU(mtu=rng.randrange(1 << 32)))
        elif kind == 1:
            opts.append(ICMPv6NDOptSrcLLAddr(lladdr=":".join("%02x" % rng.randrange(256) for _ in range(6))))
        elif kind == 2:
            opts.append(ICMPv6NDOptAdvInterval(advint=rng.randrange(1 << 32)))
        elif kind == 3:
            opts.append(ICMPv6NDOptHAInfo(pref=rng.randrange(1 << 16), lifetime=rng.randrange(1 << 16)))
        elif kind == 4:
            opts.append(ICMPv6NDOptRDNSS(lifetime=lifetime(rng), dns=[rand_addr(rng) for _ in range(rng.randrange(1, 3))]))
        elif kind == 5:
            opts.append(ICMPv6NDOptDNSSL(lifetime=lifetime(rng), searchlist=["example.org."]))
        elif kind == 6:
            opts.append(ICMPv6NDOptRouteInfo(plen=64, prefix=rand_addr(rng), rtlifetime=lifetime(rng)))
        else:
            units = rng.randrange(1, 4)
            opts.append(ICMPv6NDOptUnknown(type=rng.randrange(200, 255), len=units,
                                           data=bytes(rng.randrange(256) for _ in range(units * 8 - 2))))
    rng.shuffle(opts)
    return opts


def valid_ra(rng, combo):
    ra = ICMPv6ND_RA(
        chlim=rng.randrange(256), M=rng.randrange(2), O=rng.randrange(2), H=rng.randrange(2),
        prf=rng.randrange(4), P=rng.randrange(2), routerlifetime=rng.randrange(1 << 16),
        reachabletime=rng.randrange(1 << 32), retranstimer=rng.randrange(1 << 32))
    for o in random_options(rng, combo):
        ra = ra / o
    return IPv6(src=link_local(rng), dst="ff02::1", hlim=255) / ra


def describe(pkt):
    """What the RA holds, from scapy's dissection of the bytes."""
    p = IPv6(raw(pkt))
    ra = p[ICMPv6ND_RA]
    out = {
        "source": p.src, "curHopLimit": ra.chlim,
        "flags": {"M": bool(ra.M), "O": bool(ra.O), "H": bool(ra.H), "P": bool(ra.P), "prf": ra.prf},
        "routerLifetime": ra.routerlifetime, "reachableTime": ra.reachabletime, "retransTimer": ra.retranstimer,
        "mtu": None, "advInterval": None, "homeAgent": None, "slla": None, "anchor": None,
        "prefixes": [], "prefixesNotRecorded": 0, "optionsSkipped": 0,
    }
    # Each option dissected on its own by its scapy class (scapy's chained dissection stops
    # after some option types, DNSSL among them).
    body = raw(ra)[16:]
    while body:
        t, n = body[0], body[1] * 8
        chunk, body = body[:n], body[n:]
        if t == 3:
            o = ICMPv6NDOptPrefixInfo(chunk)
            out["prefixes"].append({
                "prefix": o.prefix, "prefixLength": o.prefixlen, "L": bool(o.L), "A": bool(o.A), "R": bool(o.R),
                "validLifetime": o.validlifetime, "preferredLifetime": o.preferredlifetime})
            if o.R and out["anchor"] is None:
                out["anchor"] = o.prefix
        elif t == 5:
            out["mtu"] = ICMPv6NDOptMTU(chunk).mtu
        elif t == 1:
            out["slla"] = ICMPv6NDOptSrcLLAddr(chunk).lladdr
        elif t == 7:
            out["advInterval"] = ICMPv6NDOptAdvInterval(chunk).advint
        elif t == 8:
            o = ICMPv6NDOptHAInfo(chunk)
            # scapy holds the preference unsigned; RFC 6275 §7.4 makes it a signed 16-bit integer.
            pref = o.pref - (1 << 16) if o.pref >= 1 << 15 else o.pref
            out["homeAgent"] = {"preference": pref, "lifetime": o.lifetime}
        if t not in KNOWN:
            out["optionsSkipped"] += 1
    return out


def with_icmp(rng, icmp_bytes, src=None, hlim=255, fix_checksum=True):
    """An IPv6 packet around raw ICMPv6 bytes, checksum made right unless told otherwise."""
    ip = IPv6(src=src or link_local(rng), dst="ff02::1", hlim=hlim, nh=58)
    b = bytearray(icmp_bytes)
    if fix_checksum and len(b) >= 4:
        b[2:4] = b"\0\0"
        c = in6_chksum(58, ip / Raw(bytes(b)), bytes(b))
        b[2:4] = c.to_bytes(2, "big")
    return ip / Raw(bytes(b))


def base_ra(rng):
    return raw(ICMPv6ND_RA(H=1, routerlifetime=1800) /
               ICMPv6NDOptPrefixInfo(prefix=rand_addr(rng), L=1, A=1, R=rng.randrange(2)))


def malformed(rng, cls):
    ra = base_ra(rng)
    if cls == "truncated":
        return with_icmp(rng, ra[:rng.randrange(4, 16)])
    if cls == "type":
        return with_icmp(rng, raw(ICMPv6ND_RS() / ICMPv6NDOptSrcLLAddr(lladdr="02:00:00:00:00:01")))
    if cls == "code":
        return with_icmp(rng, raw(ICMPv6ND_RA(code=rng.randrange(1, 256))))
    if cls == "hop-limit":
        return with_icmp(rng, ra, hlim=rng.randrange(0, 255))
    if cls == "source":
        return with_icmp(rng, ra, src="2001:db8::%x" % rng.randrange(1, 65535))
    if cls == "option-truncated":
        return with_icmp(rng, ra + bytes([rng.randrange(256)]))
    if cls == "option-zero-length":
        return with_icmp(rng, ra + raw(ICMPv6NDOptUnknown(type=rng.randrange(200, 255), len=0, data=b"\0" * 6)))
    if cls == "option-overrun":
        return with_icmp(rng, ra + raw(ICMPv6NDOptMTU(len=rng.randrange(2, 256))))
    if cls == "pio-length":
        bad = raw(ICMPv6NDOptPrefixInfo(len=rng.choice([1, 2, 3]), prefix=rand_addr(rng)))
        return with_icmp(rng, ra + bad)
    if cls == "prefix-length":
        return with_icmp(rng, ra + raw(ICMPv6NDOptPrefixInfo(prefixlen=rng.randrange(129, 256), prefix=rand_addr(rng))))
    if cls == "option-length":
        kind = rng.randrange(3)
        opt = [ICMPv6NDOptMTU, ICMPv6NDOptAdvInterval, ICMPv6NDOptHAInfo][kind](len=2)
        return with_icmp(rng, ra + raw(opt) + bytes(8))
    if cls == "checksum":
        pkt = with_icmp(rng, ra)
        b = bytearray(raw(pkt[Raw]))
        b[2] ^= 1 << rng.randrange(8)
        return IPv6(src=pkt.src, dst=pkt.dst, hlim=255, nh=58) / Raw(bytes(b))
    if cls == "next-header":
        return IPv6(src=link_local(rng), dst="ff02::1", hlim=255) / IPv6ExtHdrHopByHop() / ICMPv6ND_RA()
    if cls == "not-ipv6":
        return IPv6(version=rng.choice([4, 5, 7]), src=link_local(rng), dst="ff02::1", hlim=255) / ICMPv6ND_RA()
    if cls == "ipv6-truncated":
        b = raw(IPv6(src=link_local(rng), dst="ff02::1", hlim=255) / ICMPv6ND_RA())
        return b[:rng.randrange(0, 40)]
    if cls == "payload-truncated":
        b = raw(with_icmp(rng, ra))
        return b[:rng.randrange(41, len(b))]
    raise ValueError(cls)


MALFORMED = [
    ("truncated", "truncated"), ("type", "type"), ("code", "code"), ("hop-limit", "hop-limit"),
    ("source", "source"), ("option-truncated", "option-truncated"),
    ("option-zero-length", "option-zero-length"), ("option-overrun", "option-overrun"),
    ("pio-length", "pio-length"), ("prefix-length", "prefix-length"), ("option-length", "option-length"),
    ("checksum", "checksum"), ("next-header", "next-header"), ("not-ipv6", "not-ipv6"),
    ("ipv6-truncated", "truncated"), ("payload-truncated", "truncated"),
]


def main():
    seed, count, pcap_path, jsonl_path = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4]
    rng = random.Random(seed)
    w = PcapWriter(pcap_path, linktype=101, sync=True)
    with open(jsonl_path, "w") as out:
        for i in range(count):
            pkt = valid_ra(rng, i % 8)
            w.write(raw(pkt))
            out.write(json.dumps({"kind": "valid", "ra": describe(pkt)}) + "\n")
        for name, cls in MALFORMED:
            for _ in range(5):
                pkt = malformed(rng, name)
                w.write(pkt if isinstance(pkt, bytes) else raw(pkt))
                out.write(json.dumps({"kind": "malformed", "case": name, "error": cls}) + "\n")
    w.close()


main()
