#!/usr/bin/python3
"""Builds the offload test cases with scapy, independently of fama, and prints them as JSON:

    /usr/bin/python3 scapy_tso.py

"tso": a TCP/IPv6 super-packet as the kernel hands it to a TUN with TSO (one IPv6 and TCP
header, up to 64 KB of payload) and the segments the kernel's tcp_gso_segment makes of it for
a given MSS: sequence numbers seq + k*MSS, FIN and PSH on the last segment only, CWR on the
first only, everything else of the header copied, each segment's TCP checksum computed by
scapy. "gro": runs of segments (as a decapsulating role would output them; some dropped) and
the groups the kernel's tcp_gro_receive would coalesce them into.
"""
import json
import random

from scapy.compat import raw
from scapy.layers.inet6 import IPv6
from scapy.layers.inet import TCP
from scapy.packet import Raw

SRC = "2001:db8:100:1::10"
DST = "2001:db8:1::100"
TS = [("NOP", None), ("NOP", None), ("Timestamp", (123456, 654321))]


def seg(seq, payload, flags="A", opts=TS, sport=40000, dport=5201, ack=777, urg=0, tc=0, fl=0x12345, hlim=63):
    p = IPv6(src=SRC, dst=DST, tc=tc, fl=fl, hlim=hlim) / TCP(sport=sport, dport=dport, seq=seq, ack=ack,
                                                             flags=flags, window=502, options=opts, urgptr=urg) / Raw(payload)
    return raw(p)


def kernel_segments(seq, data, flags, mss, **kw):
    out = []
    n = (len(data) + mss - 1) // mss
    for k in range(n):
        f = set(flags)
        if k != n - 1:
            f -= {"F", "P"}
        if k != 0:
            f -= {"C"}
        out.append(seg(seq + k * mss, data[k * mss:(k + 1) * mss], "".join(sorted(f)), **kw))
    return out


def tso_case(name, nbytes, flags, gso, max_inner, opts=TS, urg=0, seed=1):
    rnd = random.Random(seed)
    data = bytes(rnd.getrandbits(8) for _ in range(nbytes))
    seq = rnd.getrandbits(32)
    thlen = len(raw(TCP(options=opts)))
    mss = min(gso, max_inner - 40 - thlen)
    return {
        "name": name, "gsoSize": gso, "ecn": "C" in flags, "maxInner": max_inner,
        "super": seg(seq, data, flags, opts=opts, urg=urg).hex(),
        "segments": [s.hex() for s in kernel_segments(seq, data, flags, mss, opts=opts, urg=urg)],
    }


def gro_case(name, inputs, groups):
    """inputs: (bytes, dropped) in output order; groups: lists of input indices, in write order."""
    return {"name": name, "inputs": [{"hex": b.hex(), "drop": d} for b, d in inputs], "groups": groups}


def run(n=8, mss=1428, seq=1000):
    rnd = random.Random(7)
    return [bytes(rnd.getrandbits(8) for _ in range(mss)) for _ in range(n)], seq, mss


def gro_cases():
    chunks, seq, mss = run()
    base = [seg(seq + k * mss, chunks[k]) for k in range(8)]
    cases = [gro_case("one flow in order", [(b, False) for b in base], [list(range(8))])]
    last_short = base[:7] + [seg(seq + 7 * mss, chunks[7][:300], "PA")]
    cases.append(gro_case("PSH and a short last segment end the run", [(b, False) for b in last_short], [list(range(8))]))
    ooo = [base[0], base[1], base[3], base[2], base[4], base[5]]
    cases.append(gro_case("out of order", [(b, False) for b in ooo], [[0, 1], [2], [3], [4, 5]]))
    cases.append(gro_case("a lost segment in the middle", [(base[0], False), (base[1], False), (base[3], False), (base[4], False)], [[0, 1], [2, 3]]))
    cases.append(gro_case("a dropped output between two segments", [(base[0], False), (base[1], False), (base[2], True), (base[2], False), (base[3], False)], [[0, 1, 3, 4]]))
    psh = base[:2] + [seg(seq + 2 * mss, chunks[2], "PA")] + base[3:5]
    cases.append(gro_case("PSH in the middle", [(b, False) for b in psh], [[0, 1, 2], [3, 4]]))
    fin = base[:2] + [seg(seq + 2 * mss, chunks[2], "FA")] + base[3:4]
    cases.append(gro_case("FIN in the middle", [(b, False) for b in fin], [[0, 1, 2], [3]]))
    urg = base[:2] + [seg(seq + 2 * mss, chunks[2], "UA", urg=10)] + base[3:5]
    cases.append(gro_case("URG in the middle", [(b, False) for b in urg], [[0, 1], [2], [3, 4]]))
    cwr = base[:2] + [seg(seq + 2 * mss, chunks[2], "CA")] + base[3:5]
    cases.append(gro_case("CWR starts a new run", [(b, False) for b in cwr], [[0, 1], [2, 3, 4]]))
    ts2 = [("NOP", None), ("NOP", None), ("Timestamp", (123457, 654321))]
    opt = base[:3] + [seg(seq + 3 * mss, chunks[3], opts=ts2), seg(seq + 4 * mss, chunks[4], opts=ts2)]
    cases.append(gro_case("TCP options change", [(b, False) for b in opt], [[0, 1, 2], [3, 4]]))
    flow = [base[0], base[1], seg(5000, chunks[2], sport=40001), base[2], base[3]]
    cases.append(gro_case("a flow change between", [(b, False) for b in flow], [[0, 1], [2], [3, 4]]))
    ack = base[:2] + [seg(seq + 2 * mss, chunks[2], ack=778)]
    cases.append(gro_case("acknowledgment number changes", [(b, False) for b in ack], [[0, 1], [2]]))
    bad = bytearray(base[2])
    bad[-1] ^= 0xff
    cases.append(gro_case("a bad checksum is not coalesced", [(base[0], False), (base[1], False), (bytes(bad), False), (base[3], False)], [[0, 1], [2], [3]]))
    longer = base[:2] + [seg(seq + 2 * mss, chunks[2] + b"xx")]
    cases.append(gro_case("a segment longer than the first one", [(b, False) for b in longer], [[0, 1], [2]]))
    syn = [seg(seq - 1, b"", "S", opts=[]), base[0], base[1]]
    cases.append(gro_case("a SYN and a pure ACK are never heads", [(syn[0], False), (seg(seq, b""), False), (base[0], False), (base[1], False)], [[0], [1], [2, 3]]))
    hop = base[:2] + [seg(seq + 2 * mss, chunks[2], hlim=62)]
    cases.append(gro_case("hop limit changes", [(b, False) for b in hop], [[0, 1], [2]]))
    # 46 full segments of 1428 bytes: 65688 bytes of payload with the header: over 65535
    rnd = random.Random(9)
    many = [seg(seq + k * mss, bytes(rnd.getrandbits(8) for _ in range(mss))) for k in range(47)]
    cases.append(gro_case("at most 64 KB of IPv6 payload", [(b, False) for b in many], [list(range(45)), [45, 46]]))
    return cases


print(json.dumps({
    "tso": [
        tso_case("ACK PSH, timestamps, MSS 1428", 10000, "PA", 1428, 1500),
        tso_case("FIN PSH CWR (ECN), odd length, MSS 1000", 4999, "FPAC", 1000, 1500, seed=2),
        tso_case("tunnel MTU below the sender's MSS", 8000, "A", 1440, 1280, opts=[], seed=3),
        tso_case("URG copied to every segment", 3000, "UA", 1200, 1500, urg=5, seed=4),
        tso_case("64 KB (IPv6 payload 65495)", 65535 - 40 - 32, "PA", 1428, 1500, seed=5),
        tso_case("one segment", 500, "PA", 1428, 1500, seed=6),
    ],
    "gro": gro_cases(),
}))
