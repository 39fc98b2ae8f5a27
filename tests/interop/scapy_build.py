#!/usr/bin/python3
"""Builds random Mobile IPv6 packets with scapy's own MIP6 layers and writes
them to a pcap (DLT 101, raw IPv6) plus one JSON line per packet saying what
was put in, in the shape of fama's decode (vectors/mh/valid.jsonl).

    /usr/bin/python3 scapy_build.py SEED COUNT OUT.pcap OUT.jsonl

The field values come from random.Random(SEED); the options are listed as
scapy itself dissects the built bytes (so the padding scapy inserted is
included), after checking that the non-padding ones are exactly the ones we
asked for. PROTOCOL.md section 3: scapy's Nonce Indices and BAD default to
length 16, so olen=4 / olen=12 are passed explicitly.
"""
import json
import random
import sys

from scapy.layers.inet6 import (
    IPv6, IPv6ExtHdrDestOpt, IPv6ExtHdrRouting, HAO, Pad1, PadN,
    MIP6MH_BRR, MIP6MH_HoTI, MIP6MH_CoTI, MIP6MH_HoT, MIP6MH_CoT,
    MIP6MH_BU, MIP6MH_BA, MIP6MH_BE,
    MIP6OptBRAdvice, MIP6OptAltCoA, MIP6OptNonceIndices, MIP6OptBindingAuthData,
    MIP6OptCGAParamsReq, MIP6OptCGAParams, MIP6OptSignature,
    MIP6OptHomeKeygenToken, MIP6OptCareOfTestInit, MIP6OptCareOfTest, MIP6OptUnknown,
    _MobilityHeader,
)
from scapy.utils import PcapWriter
from scapy.compat import raw
import ipaddress


def addr(rng):
    """A random IPv6 address, often with zero groups so '::' compression shows up."""
    groups = [rng.randrange(0x10000) for _ in range(8)]
    if rng.random() < 0.5:
        start = rng.randrange(8)
        for i in range(start, min(8, start + rng.randrange(1, 6))):
            groups[i] = 0
    return str(ipaddress.IPv6Address(b"".join(g.to_bytes(2, "big") for g in groups)))


def rbytes(rng, n):
    return bytes(rng.randrange(256) for _ in range(n))


def fragments(cls, field, value):
    """A value longer than 255 bytes as adjacent options of 255 bytes each (PROTOCOL.md section 2)."""
    return [cls(**{field: value[i:i + 255]}) for i in range(0, len(value), 255)]


def unknown(rng, opts, want):
    """Sometimes an option of a type fama does not know (it must skip it)."""
    if rng.random() < 0.2:
        t, data = rng.randrange(200, 255), rbytes(rng, rng.randrange(0, 20))
        opts.append(MIP6OptUnknown(otype=t, odata=data))
        want.append((t, data))


def bu_options(rng, want):
    opts = []
    if rng.random() < 0.3:
        a = addr(rng)
        opts.append(MIP6OptAltCoA(acoa=a))
        want.append((3, ipaddress.IPv6Address(a).packed))
    mode = rng.choice(["cga", "cga-bad", "phkt", "none"])
    if mode.startswith("cga"):
        params = rbytes(rng, rng.randrange(1, 700))
        sig = rbytes(rng, rng.choice([128, 256, rng.randrange(1, 520)]))
        for cls, field, t, v in ((MIP6OptCGAParams, "cgaparams", 12, params),
                                 (MIP6OptSignature, "sig", 13, sig)):
            opts += fragments(cls, field, v)
            want += [(t, v[i:i + 255]) for i in range(0, len(v), 255)]
        if rng.random() < 0.3:
            opts.append(MIP6OptCareOfTestInit())
            want.append((15, b""))
        if rng.random() < 0.3:
            opts.append(MIP6OptCGAParamsReq())
            want.append((11, b""))
    unknown(rng, opts, want)
    if mode in ("cga-bad", "phkt"):
        hni, coni = rng.randrange(0x10000), rng.randrange(0x10000)
        auth = rbytes(rng, 12)
        opts.append(MIP6OptNonceIndices(hni=hni, coni=coni, olen=4))
        opts.append(MIP6OptBindingAuthData(authenticator=int.from_bytes(auth, "big"), olen=12))
        want.append((4, hni.to_bytes(2, "big") + coni.to_bytes(2, "big")))
        want.append((5, auth))
    return opts


def ba_options(rng, want):
    opts = []
    if rng.random() < 0.3:
        r = rng.randrange(0x10000)
        opts.append(MIP6OptBRAdvice(rinter=r))
        want.append((2, r.to_bytes(2, "big")))
    if rng.random() < 0.5:
        phkt = rbytes(rng, rng.choice([128, 256, rng.randrange(1, 520)]))
        opts += fragments(MIP6OptHomeKeygenToken, "hkt", phkt)
        want += [(14, phkt[i:i + 255]) for i in range(0, len(phkt), 255)]
    if rng.random() < 0.3:
        tok = rbytes(rng, 8)
        opts.append(MIP6OptCareOfTest(cokt=tok))
        want.append((16, tok))
    unknown(rng, opts, want)
    if rng.random() < 0.6:
        auth = rbytes(rng, 12)
        opts.append(MIP6OptBindingAuthData(authenticator=int.from_bytes(auth, "big"), olen=12))
        want.append((5, auth))
    return opts


def nulls():
    return {"type": None, "seq": None, "flags": None, "lifetime": None, "status": None,
            "checksumOk": True, "cookie": None, "nonceIndex": None, "token": None,
            "homeAddress": None, "options": []}


def one(rng):
    src, dst = addr(rng), addr(rng)
    hoa = rh2 = None
    mhtype = rng.randrange(8)
    mh = nulls()
    mh["type"] = mhtype
    want = []
    if mhtype == 0:
        layer = MIP6MH_BRR()
        if rng.random() < 0.7:
            rh2 = addr(rng)
    elif mhtype in (1, 2):
        cookie = rbytes(rng, 8)
        layer = (MIP6MH_HoTI if mhtype == 1 else MIP6MH_CoTI)(cookie=cookie)
        mh["cookie"] = cookie.hex()
    elif mhtype in (3, 4):
        index, cookie, token = rng.randrange(0x10000), rbytes(rng, 8), rbytes(rng, 8)
        layer = (MIP6MH_HoT if mhtype == 3 else MIP6MH_CoT)(index=index, cookie=cookie, token=token)
        mh.update(nonceIndex=index, cookie=cookie.hex(), token=token.hex())
    elif mhtype == 5:
        seq, life = rng.randrange(0x10000), rng.randrange(0x10000)
        flags = {k: rng.random() < 0.5 for k in "AHLK"}
        layer = MIP6MH_BU(seq=seq, mhtime=life, flags="".join(k for k in "AHLK" if flags[k]),
                          options=bu_options(rng, want))
        mh.update(seq=seq, lifetime=life, flags=flags)
        if rng.random() < 0.9:
            hoa = addr(rng)
    elif mhtype == 6:
        seq, life, status = rng.randrange(0x10000), rng.randrange(0x10000), rng.randrange(256)
        k = rng.random() < 0.5
        layer = MIP6MH_BA(seq=seq, mhtime=life, status=status, flags="K" if k else "",
                          options=ba_options(rng, want))
        mh.update(seq=seq, lifetime=life, status=status,
                  flags={"A": None, "H": None, "L": None, "K": k})
        if rng.random() < 0.9:
            rh2 = addr(rng)
    else:
        status, home = rng.choice([1, 2, rng.randrange(256)]), addr(rng)
        layer = MIP6MH_BE(status=status, ha=home)
        mh.update(status=status, homeAddress=home)

    pkt = IPv6(src=src, dst=dst, hlim=rng.randrange(1, 256))
    if hoa is not None:
        pkt = pkt / IPv6ExtHdrDestOpt(options=[HAO(hoa=hoa)])
    if rh2 is not None:
        pkt = pkt / IPv6ExtHdrRouting(type=2, segleft=1, addresses=[rh2])
    pkt = pkt / layer
    wire = raw(pkt)

    # Describe the options as they are on the wire (scapy's dissection of its own bytes).
    back = IPv6(wire)
    mhl = back
    while mhl is not None and not isinstance(mhl, _MobilityHeader):
        mhl = mhl.payload if mhl.payload else None
    assert mhl is not None and mhl.mhtype == mhtype, "scapy did not dissect its own MH"
    got = []
    for o in getattr(mhl, "options", []):
        b = raw(o)
        if b[0] == 0:
            mh["options"].append({"type": 0, "len": None, "data": None})
            continue
        mh["options"].append({"type": b[0], "len": b[1], "data": b[2:2 + b[1]].hex()})
        if b[0] != 1:
            got.append((b[0], b[2:2 + b[1]]))
    assert got == want, f"scapy options differ from the ones asked for: {got} != {want}"
    return wire, {"src": src, "dst": dst, "hoa": hoa, "rh2": rh2, "mh": mh}


def main():
    seed, count, pcap_path, json_path = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4]
    rng = random.Random(seed)
    w = PcapWriter(pcap_path, linktype=101, sync=False)
    with open(json_path, "w") as out:
        for i in range(count):
            wire, desc = one(rng)
            w.write(wire)
            out.write(json.dumps(desc) + "\n")
    w.close()


if __name__ == "__main__":
    main()
