// Router discovery with a stock radvd on real namespaces (root only): the MN's raw socket
// (host/net/router-discovery.ts) sends the core's RS and receives radvd's RA; rdisc6 (ndisc6) is
// the independent oracle for what the core parsed from the same router; and one access interface
// roams between three links (its peer moved from bridge to bridge, carrier down and up as a
// Wi-Fi roam looks): two DARs and a plain router without the H flag, decided by the core.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { NetScope, ipv6Defaults, ip, linkIndex, linkOperState, netnsExec, sysctls, addrAdd } from "../../host/net/ip.js";
import { RouterDiscoverySocket, type ReceivedRa } from "../../host/net/router-discovery.js";
import { macOf } from "../../host/net/ndisc.js";
import { Poller } from "../../host/tun/poller.js";
import { startRadvd, type RadvdLink } from "../../host/lab/radvd.js";
import { loadCore, type Core } from "../../host/wasm.js";
import { Attachment, buildRs, parseRa, type RouterAdvert } from "../../host/core/nd.js";
import { canonicalIpv6 } from "../support/generators.js";
import { formatIPv6 } from "../../host/ipv6.js";

const notRoot = process.getuid?.() !== 0 && "needs root (network namespaces, radvd)";
const tag = `i9ra${process.pid % 100000}`;

interface Router { ns: string; link: RadvdLink; prefix: string }
const ROUTERS: Omit<Router, "ns">[] = [
  { prefix: "2001:db8:91::", link: { iface: "br0", address: "2001:db8:91::1", homeAgent: true } },
  { prefix: "2001:db8:92::", link: { iface: "br0", address: "2001:db8:92::1", homeAgent: true } },
  { prefix: "2001:db8:93::", link: { iface: "br0", address: "2001:db8:93::1", homeAgent: false } },
];

/** What rdisc6 prints about one RA, in the shape of the core's RouterAdvert (the fields it shows). */
interface Rdisc6View {
  curHopLimit: number; M: boolean; O: boolean; H: boolean; prf: number; P: boolean;
  routerLifetime: number; reachableTime: number; retransTimer: number; mtu: number | null; slla: string | null;
  source: string; prefixes: { prefix: string; prefixLength: number; L: boolean; A: boolean; validLifetime: number; preferredLifetime: number }[];
}

function parseRdisc6(text: string): Rdisc6View {
  const field = (name: string) => new RegExp(`^${name}\\s*:\\s*(.+)$`, "m").exec(text)?.[1]?.trim() ?? "";
  const num = (name: string) => {
    const v = field(name);
    const hex = /\(\s*0x([0-9a-f]+)\)/i.exec(v);
    return hex ? parseInt(hex[1]!, 16) : parseInt(v, 10);
  };
  const yes = (v: string) => v === "Yes";
  const prfNames: Record<string, number> = { medium: 0, high: 1, low: 3 };
  const prefixes: Rdisc6View["prefixes"] = [];
  const blocks = text.split(/^ Prefix\s+: /m).slice(1);
  for (const b of blocks) {
    const [addr, len] = b.split("\n")[0]!.trim().split("/");
    const f = (name: string) => new RegExp(`^\\s+${name}\\s*:\\s*(.+)$`, "m").exec(b)?.[1]?.trim() ?? "";
    const hexOf = (v: string) => parseInt(/\(0x([0-9a-f]+)\)/i.exec(v)?.[1] ?? "NaN", 16);
    prefixes.push({
      prefix: canonicalIpv6(addr)!, prefixLength: Number(len), L: yes(f("On-link")), A: yes(f("Autonomous address conf\\.")),
      validLifetime: hexOf(f("Valid time")), preferredLifetime: hexOf(f("Pref\\. time")),
    });
  }
  const mtu = / MTU\s+:\s+(\d+) bytes/.exec(text);
  const slla = / Source link-layer address:\s*(\S+)/.exec(text);
  return {
    curHopLimit: num("Hop limit"), M: yes(field("Stateful address conf\\.")), O: yes(field("Stateful other conf\\.")),
    H: yes(field("Mobile home agent")), prf: prfNames[field("Router preference")] ?? -1, P: yes(field("Neighbor discovery proxy")),
    routerLifetime: num("Router lifetime"), reachableTime: num("Reachable time"), retransTimer: num("Retransmit time"),
    mtu: mtu ? Number(mtu[1]) : null, slla: slla ? slla[1]!.toLowerCase() : null,
    source: canonicalIpv6(/^ from (\S+)/m.exec(text)?.[1] ?? "")!, prefixes,
  };
}

function asRdisc6(ra: RouterAdvert): Rdisc6View {
  return {
    curHopLimit: ra.curHopLimit, M: ra.flags.M, O: ra.flags.O, H: ra.flags.H, prf: ra.flags.prf, P: ra.flags.P,
    routerLifetime: ra.routerLifetime, reachableTime: ra.reachableTime, retransTimer: ra.retransTimer,
    mtu: ra.mtu, slla: ra.slla, source: canonicalIpv6(ra.source)!,
    prefixes: ra.prefixes.map((p) => ({ prefix: canonicalIpv6(p.prefix)!, prefixLength: p.prefixLength, L: p.L, A: p.A, validLifetime: p.validLifetime, preferredLifetime: p.preferredLifetime })),
  };
}

describe("router discovery with radvd", { skip: notRoot, timeout: 120_000 }, () => {
  const scope = new NetScope("i9-ra-e2e");
  const dir = mkdtempSync(join(tmpdir(), "fama-i9ra-"));
  const mnNs = `${tag}-mn`;
  const routers: Router[] = ROUTERS.map((r, i) => ({ ...r, ns: `${tag}-r${i + 1}` }));
  let core: Core;
  let sock: RouterDiscoverySocket;
  let poller: Poller;
  let mac: Uint8Array;
  let at = 0; // the router namespace the MN's peer (air0) is in

  /** The first RA (from `source` when given) within 5 s, or a failure. */
  async function nextRa(source?: string): Promise<ReceivedRa> {
    const deadline = Date.now() + 5000;
    for (;;) {
      for (let ra = sock.receive(); ra; ra = sock.receive()) {
        if (!source || canonicalIpv6(formatIPv6(ra.source)) === source) return ra;
      }
      const left = deadline - Date.now();
      assert.ok(left > 0, "no RA within 5 s");
      const timer = new Promise<boolean>((r) => setTimeout(() => r(false), left));
      await Promise.race([poller.readable(), timer]);
    }
  }
  function drain(): void { while (sock.receive()); }

  /** Moves the MN's peer to router i's bridge; resolves when the MN's end has carrier again. */
  async function roamTo(i: number): Promise<void> {
    if (i !== at) {
      await ip(["link", "set", "dev", "air0", "netns", routers[i]!.ns], routers[at]!.ns);
      at = i;
    }
    else await ip(["link", "set", "dev", "air0", "down"], routers[i]!.ns);
    await ip(["link", "set", "dev", "air0", "master", "br0", "up"], routers[i]!.ns);
    const deadline = Date.now() + 5000;
    while ((await linkOperState("acc0", mnNs)) !== "UP") {
      assert.ok(Date.now() < deadline, "acc0 never came up");
      await new Promise((r) => setTimeout(r, 5));
    }
  }

  before(async () => {
    core = loadCore();
    await scope.netns(mnNs);
    await ipv6Defaults(mnNs);
    for (const r of routers) {
      await scope.netns(r.ns);
      await ipv6Defaults(r.ns, { forwarding: true });
      await ip(["link", "add", "br0", "type", "bridge"], r.ns);
      // A permanent port keeps the bridge's carrier while the MN is elsewhere (radvd keeps sending).
      // (a veth pair: this kernel has no dummy driver).
      await ip(["link", "add", "stay0", "type", "veth", "peer", "name", "stay1"], r.ns);
      await ip(["link", "set", "dev", "stay1", "up"], r.ns);
      await ip(["link", "set", "dev", "stay0", "master", "br0", "up"], r.ns);
      await ip(["link", "set", "dev", "br0", "up"], r.ns);
      await addrAdd("br0", `${r.link.address}/64`, r.ns);
      await startRadvd(scope, r.ns, dir, r.link);
    }
    await ip(["link", "add", "acc0", "netns", mnNs, "type", "veth", "peer", "name", "air0", "netns", routers[0]!.ns]);
    // The kernel's own autoconf off: only the core decides (what the agent sets on its access interfaces).
    await sysctls({ "net.ipv6.conf.acc0.accept_ra": 0, "net.ipv6.conf.acc0.autoconf": 0 }, mnNs);
    await ip(["link", "set", "dev", "acc0", "up"], mnNs);
    const { stdout } = await ip(["-j", "link", "show", "dev", "acc0"], mnNs);
    mac = macOf((JSON.parse(stdout) as { address: string }[])[0]!.address)!;
    await roamTo(0);
    sock = new RouterDiscoverySocket("acc0", await linkIndex("acc0", mnNs), mnNs);
    poller = new Poller(sock.fd);
  });
  after(async () => {
    poller?.close();
    sock?.close();
    await scope.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test("rdisc6 and the core agree on each router's RA; the DAR's anchor, H flag and options as configured", async () => {
    for (let i = 0; i < routers.length; i++) {
      const r = routers[i]!;
      await roamTo(i);
      const printed = parseRdisc6((await netnsExec(mnNs, "rdisc6", ["-1", "-r", "3", "-w", "1000", "acc0"])).stdout);
      drain();
      sock.solicit(buildRs(core, mac));
      const got = await nextRa(printed.source);
      assert.equal(got.hopLimit, 255);
      const parsed = parseRa(core, got.icmp, got.source, got.hopLimit);
      assert.ok(parsed.ok, parsed.ok ? "" : parsed.error);
      assert.deepEqual(asRdisc6(parsed.ra), printed, r.ns);
      // What rdisc6 does not print, against radvd.conf.
      assert.equal(parsed.ra.flags.H, r.link.homeAgent);
      assert.equal(parsed.ra.anchor && canonicalIpv6(parsed.ra.anchor), r.link.homeAgent ? canonicalIpv6(r.link.address) : null);
      assert.deepEqual(parsed.ra.prefixes.map((p) => p.R), [r.link.homeAgent]);
      assert.equal(parsed.ra.homeAgent?.lifetime ?? null, r.link.homeAgent ? 1800 : null);
      assert.equal(parsed.ra.advInterval, r.link.homeAgent ? 30_000 : null);
    }
  });

  test("one interface roams DAR1 -> DAR2 -> plain router -> DAR1: new, new, plain, visited before", async () => {
    const attach = new Attachment(core);
    const decide = async (i: number) => {
      await roamTo(i);
      const up = performance.now();
      attach.linkChanged();
      drain();
      sock.solicit(buildRs(core, mac));
      const sent = performance.now();
      const ra = await nextRa();
      const got = performance.now();
      const r = attach.input(ra.icmp, ra.source, ra.hopLimit, Date.now());
      assert.ok(r.ok, r.ok ? "" : r.error);
      console.log(`# ${routers[i]!.ns}: ${r.decision.decision}; link up -> RS ${(sent - up).toFixed(2)} ms, RS -> RA ${(got - sent).toFixed(2)} ms`);
      return r.decision;
    };
    const d1 = await decide(0);
    assert.equal(d1.decision, "new-dar");
    assert.equal(canonicalIpv6(d1.anchor), canonicalIpv6("2001:db8:91::1"));
    assert.equal(canonicalIpv6(d1.prefix), canonicalIpv6("2001:db8:91::"));
    const d2 = await decide(1);
    assert.equal(d2.decision, "new-dar");
    assert.equal(canonicalIpv6(d2.anchor), canonicalIpv6("2001:db8:92::1"));
    const d3 = await decide(2);
    assert.equal(d3.decision, "plain");
    assert.equal(d3.anchor, null);
    assert.equal(d3.hFlag, false);
    const d4 = await decide(0);
    assert.equal(d4.decision, "known-dar");
    assert.ok(d4.visitedBefore);
    assert.equal(d4.routerIndex, d1.routerIndex);
    // Another RA from the same router while nothing moved changes nothing.
    drain();
    sock.solicit(buildRs(core, mac));
    const ra = await nextRa();
    const again = attach.input(ra.icmp, ra.source, ra.hopLimit, Date.now());
    assert.ok(again.ok && again.decision.decision === "unchanged");
    const learned = attach.routers();
    assert.deepEqual(learned.map((l) => [canonicalIpv6(l.prefix), l.anchor && canonicalIpv6(l.anchor), l.dar]).sort(), [
      [canonicalIpv6("2001:db8:91::"), canonicalIpv6("2001:db8:91::1"), true],
      [canonicalIpv6("2001:db8:92::"), canonicalIpv6("2001:db8:92::1"), true],
      [canonicalIpv6("2001:db8:93::"), null, false],
    ].sort());
    assert.deepEqual(learned.filter((l) => l.current).map((l) => canonicalIpv6(l.prefix)), [canonicalIpv6("2001:db8:91::")]);
  });
});
