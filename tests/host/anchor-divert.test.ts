// The DAR's divert of a local anchor's packets into its TUN (host/dar/anchor-divert.ts), without
// root: whether an address is local (a /proc/net/if_inet6 text as the kernel writes it) and the
// tc lines. The filters themselves run in tests/e2e/lab-roaming.test.ts.
import { test } from "node:test";
import assert from "node:assert/strict";
import { isLocalAddress, divertBatch, DIVERTED_PROTOCOLS, SIGNALLING_PROTOCOLS } from "../../host/dar/anchor-divert.js";

// /proc/net/if_inet6 of the roaming lab's DAR1: address, ifindex, prefix length, scope, flags, name
const IF_INET6 = [
  "20010db8000100000000000000000001 04 40 00 80       acc",
  "fe8000000000000000000000ff000101 04 40 20 80       acc",
  "00000000000000000000000000000001 01 80 10 80        lo",
].join("\n") + "\n";

test("isLocalAddress: the access address is local, whatever its spelling; others are not", () => {
  assert.equal(isLocalAddress("2001:db8:1::1", IF_INET6), true);
  assert.equal(isLocalAddress("2001:DB8:1:0:0:0:0:1", IF_INET6), true);
  assert.equal(isLocalAddress("2001:db8:a:1::1", IF_INET6), false);
  assert.equal(isLocalAddress("2001:db8:1::2", IF_INET6), false);
  assert.equal(isLocalAddress("not an address", IF_INET6), false);
});

test("divertBatch: a clsact when missing, then one filter per target to A_k/128, each protocol its own priority", () => {
  const targets = [{ proto: 60, dev: "fama0-sig" }, { proto: 135, dev: "fama0-sig" }, { proto: 41, dev: "fama0" }] as const;
  assert.deepEqual(divertBatch("acc", targets, "2001:db8:1::1", true), [
    "qdisc add dev acc clsact",
    "filter add dev acc ingress protocol ipv6 pref 4901 u32 match ip6 dst 2001:db8:1::1/128 match ip6 protocol 60 0xff action mirred egress redirect dev fama0-sig",
    "filter add dev acc ingress protocol ipv6 pref 4902 u32 match ip6 dst 2001:db8:1::1/128 match ip6 protocol 135 0xff action mirred egress redirect dev fama0-sig",
    "filter add dev acc ingress protocol ipv6 pref 4903 u32 match ip6 dst 2001:db8:1::1/128 match ip6 protocol 41 0xff action mirred egress redirect dev fama0",
  ]);
  assert.deepEqual(DIVERTED_PROTOCOLS, [60, 135, 41]);
  assert.deepEqual(SIGNALLING_PROTOCOLS, [60, 135]);
  // a routed anchor diverts only its signalling: the reverse tunnel keeps its priority free
  assert.deepEqual(divertBatch("to-core", targets.slice(0, 2), "2001:db8:1::1", false), [
    "filter add dev to-core ingress protocol ipv6 pref 4901 u32 match ip6 dst 2001:db8:1::1/128 match ip6 protocol 60 0xff action mirred egress redirect dev fama0-sig",
    "filter add dev to-core ingress protocol ipv6 pref 4902 u32 match ip6 dst 2001:db8:1::1/128 match ip6 protocol 135 0xff action mirred egress redirect dev fama0-sig",
  ], "no qdisc line when one is there");
});
