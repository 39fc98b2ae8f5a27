#!/usr/bin/python3
"""Dissects a pcap with tshark (-T json) and prints, as one JSON array, what
Wireshark read in every packet's IPv6 header, Home Address option, type 2
routing header and Mobility Header.

    /usr/bin/python3 tshark_mh.py FILE.pcap [TSHARK]

tshark's JSON repeats keys when an option type occurs twice (fragmented CGA
Parameters, Signature, PHKT), so it is parsed keeping every (key, value) pair
in order instead of into dicts. Per option we report the type, the length
tshark read (`mip6.mobility_opt.len`; PROTOCOL.md section 3: for option types
Wireshark does not know it reads that from a wrong offset, so `known` is false
there and the caller must not compare it), the option's raw bytes as tshark
delimited them, and the decoded sub-fields tshark shows.
"""
import json
import subprocess
import sys

# tshark's option tree keys (mip6.options.<name>) and the option type each stands for.
OPTION_KEYS = {
    "pad1": 0, "padn": 1, "bra": 2, "acoa": 3, "ni": 4, "bad_auth": 5, "mnp": 6,
    "cgapr": 11, "cgar": 12, "sign": 13, "phkt": 14, "coti": 15, "cot": 16,
}

BODY_KEYS = {
    "mip6.bu.seqnr": "seq", "mip6.ba.seqnr": "seq",
    "mip6.bu.lifetime": "lifetime", "mip6.ba.lifetime": "lifetime",
    "mip6.ba.status": "status", "mip6.be.status": "status",
    "mip6.be.haddr": "homeAddress",
    "mip6.hoti.cookie": "cookie", "mip6.coti.cookie": "cookie",
    "mip6.hot.cookie": "cookie", "mip6.cot.cookie": "cookie",
    "mip6.hot.nindex": "nonceIndex", "mip6.cot.nindex": "nonceIndex",
    "mip6.hot.token": "token",
}
FLAG_KEYS = {"mip6.bu.a_flag": "A", "mip6.bu.h_flag": "H", "mip6.bu.l_flag": "L",
             "mip6.bu.k_flag": "K", "mip6.ba.k_flag": "K"}


def pairs(node):
    """The (key, value) pairs of an object parsed with object_pairs_hook=list."""
    return node if isinstance(node, list) and all(isinstance(p, tuple) for p in node) else []


def walk(node):
    """Every (key, value) pair under node, depth first, in document order."""
    for k, v in pairs(node):
        yield k, v
        yield from walk(v)


def first(node, key):
    for k, v in walk(node):
        if k == key:
            return v
    return None


def unhex(s):
    return s.replace(":", "").lower()


def cookie(v):
    return "%016x" % int(v, 0)


def option(key, value, tree):
    """One option from its `mip6.options.X` value (raw bytes) and `_tree` (decoded fields)."""
    raw = unhex(value)
    name = key[len("mip6.options."):]
    t = OPTION_KEYS.get(name)
    out = {"type": t if t is not None else int(raw[:2], 16), "known": t is not None,
           "raw": raw, "len": None, "fields": {}}
    for k, v in walk(tree):
        if k == "mip6.mobility_opt.len":
            out["len"] = int(v)
        elif isinstance(v, str):
            out["fields"][k] = v
    return out


def unknown_option(tree):
    t = first(tree, "mip6.mobility_opt")
    ln = first(tree, "mip6.mobility_opt.len")
    return {"type": int(t), "known": False, "raw": None,
            "len": int(ln) if ln is not None else None, "fields": {}}


def mobility(m):
    out = {"type": None, "proto": None, "hlen": None, "csum": None, "flags": {},
           "options": [], "expert": []}
    for k, v in pairs(m):
        if k == "mip6.mhtype":
            out["type"] = int(v)
        elif k == "mip6.proto":
            out["proto"] = int(v)
        elif k == "mip6.hlen":
            out["hlen"] = int(v)
        elif k == "mip6.csum":
            out["csum"] = int(v, 16)
    for k, v in walk(m):
        if k in BODY_KEYS:
            name = BODY_KEYS[k]
            out[name] = cookie(v) if name in ("cookie", "token") else v if name == "homeAddress" else int(v)
        elif k in FLAG_KEYS:
            out["flags"][FLAG_KEYS[k]] = v == "1"
        elif k == "_ws.expert.message":
            out["expert"].append(v)
    opts = first(m, "Mobility Options")
    items = pairs(opts)
    for i, (k, v) in enumerate(items):
        if k.startswith("mip6.options.") and not k.endswith("_tree"):
            tree = items[i + 1][1] if i + 1 < len(items) and items[i + 1][0] == k + "_tree" else []
            out["options"].append(option(k, v, tree))
        elif k.startswith("Unknown ("):
            out["options"].append(unknown_option(v))
    return out


def packet(p):
    layers = first(p, "layers")
    ipv6 = first(layers, "ipv6")
    m = first(layers, "mipv6")
    return {
        "src": first(ipv6, "ipv6.src"),
        "dst": first(ipv6, "ipv6.dst"),
        "hoa": first(ipv6, "ipv6.opt.mipv6.home_address"),
        "rh2": first(ipv6, "ipv6.routing.mipv6.home_address"),
        "rh2type": int(first(ipv6, "ipv6.routing.type")) if first(ipv6, "ipv6.routing.type") else None,
        "mh": mobility(m) if m is not None else None,
    }


def main():
    path = sys.argv[1]
    tshark = sys.argv[2] if len(sys.argv) > 2 else "tshark"
    res = subprocess.run([tshark, "-n", "-r", path, "-T", "json"], capture_output=True, check=True)
    doc = json.loads(res.stdout, object_pairs_hook=lambda kv: kv)
    json.dump([packet(p) for p in doc], sys.stdout)


if __name__ == "__main__":
    main()
