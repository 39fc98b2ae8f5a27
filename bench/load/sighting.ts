// Puts simulated MNs on the DAR's access link as a real MN is when it forms its HoA there: each
// HoA is added to the generator's access interface (nodad), then one ICMPv6 echo request from the
// HoA to the DAR's access address, written through an IPPROTO_RAW socket in the generator's
// namespace. The DAR's kernel answers it and resolves the HoA by neighbour discovery (the
// generator's kernel answers for the address it holds), so the DAR's neighbour table has the HoA
// on its access interface: the DAR's own evidence that the address was formed on its link.
// Linux's IPv6 neighbour table is one table for all namespaces, capped by the root namespace's
// net.ipv6.neigh.default.gc_thresh3 (1024 by default; the storm of bench/load.bench.ts raises it
// for its run: host/net/neighbour-limits.ts), and an entry can be collected to make room only
// once it is 5 s old ("neighbor table overflow!" otherwise). So HoAs appear in chunks of CHUNK:
// after each, once the daemon's sightings table has grown by the chunk (it keeps its own record:
// host/dar/sightings.ts), the DAR's entries for those HoAs are deleted, which is what the
// kernel's collection does later on its own. (An earlier version sent 1000 at once: the table
// overflowed and the DAR lost its entry for the generator, the next hop of every CoA, and
// forwarded nothing for seconds.)
// Resolving a HoA also leaves the DAR an entry for the HoA's solicited-node group (NOARP, where its
// Neighbor Solicitation went): those are deleted with the HoAs' own, else 2,000 HoAs leave 2,000
// of them in the host-wide table for a minute, and each time it passes gc_thresh3 the kernel's
// forced collection also takes everybody's entries older than 5 s (the DAR's generator entry
// among them) or, when all are younger, refuses new ones: HoAs never sighted.
// The HoAs leave the generator's interface once sighted: Linux adds an address in time linear in
// the addresses the interface holds (500 more took 0.15 s on an empty one, 8 s at 9,500), and
// 10,000 kept there took 116 s to appear, 24.5 s removed. Addresses are added with `replace` (one
// already there stays, and does not end the batch) in `ip -batch` runs of at most BATCH lines,
// each with a timeout.
// Chunks of 100 by default (`chunk`; the storm, with the host's limits raised, passes 500): the
// daemon's feed keeps up with 1,500 at once (tests/host/sightings.test.ts), the host-wide table
// is the limit.
import { libc, errno, AF_INET6, SOCK_RAW, O } from "../../host/libc.js";
import { inNamespace } from "../../host/net/netlink.js";
import { ipBatch, linkIndex } from "../../host/net/ip.js";
import { deleteNeighbours } from "../../host/net/neighbours.js";
import { formatIPv6, parseIPv6 } from "../../host/ipv6.js";
import { internetChecksum } from "../../tests/support/packets.js";
import { LOAD_PLAN } from "./net.js";
import type { LoadDar } from "./daemon.js";

const IPPROTO_RAW = 255;
const CHUNK = 100;
/** Lines per `ip -batch` run, and how long one may take. */
const BATCH = 500;
const BATCH_TIMEOUT_MS = 15_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** An ICMPv6 echo request from `src` to `dst` with its checksum. */
export function echoRequest(src: Uint8Array, dst: Uint8Array, id: number): Uint8Array {
  const p = new Uint8Array(40 + 16);
  const v = new DataView(p.buffer);
  v.setUint32(0, 6 << 28);
  v.setUint16(4, 16);
  p[6] = 58;
  p[7] = 64;
  p.set(src, 8);
  p.set(dst, 24);
  p[40] = 128;
  v.setUint16(44, id & 0xffff);
  v.setUint16(46, 1);
  const ph = new Uint8Array(40);
  ph.set(src, 0);
  ph.set(dst, 16);
  new DataView(ph.buffer).setUint32(32, 16);
  ph[39] = 58;
  v.setUint16(42, internetChecksum([ph, p.subarray(40)]));
  return p;
}

/** The solicited-node multicast group of `hoa` (RFC 4291 §2.7.1): ff02::1:ff and its last 24 bits. */
export function solicitedNode(hoa: string): string {
  const a = parseIPv6(hoa)!;
  const g = parseIPv6("ff02::1:ff00:0")!;
  g.set(a.subarray(13), 13);
  return formatIPv6(g);
}

/** Puts the HoAs on the access link in chunks (of `chunk`); with `dar`, waits after each chunk until the
 *  daemon has sighted it (when it has a sightings table: admission "on-link"), sending the echo
 *  requests again every 3 s (up to 5 rounds) while some are missing, then deletes the DAR's
 *  neighbour entries for them and their solicited-node groups, and the HoAs from the generator's
 *  interface. Returns how many the daemon did not sight (0: all of them). */
export async function appearOnLink(genNs: string, hoas: readonly string[], dar?: LoadDar, chunkSize = CHUNK): Promise<number> {
  let missing = 0;
  for (let i = 0; i < hoas.length; i += chunkSize) {
    const chunk = hoas.slice(i, i + chunkSize);
    const before = dar ? (await dar.status(0)).admission : undefined;
    await addrBatches(genNs, "replace", chunk);
    let seen = 0;
    for (let round = 0; round < 5; round++) {
      echoFrom(genNs, chunk);
      if (!dar) break;
      if (!before) { await sleep(200); break; } // no sightings table to watch: let neighbour discovery finish
      const end = Date.now() + 3000;
      while (Date.now() < end) {
        const now = (await dar.status(0)).admission!.sightings;
        seen = now - before.sightings;
        if (now >= Math.min(before.sightings + chunk.length, before.sightingsCapacity)) break;
        await sleep(20);
      }
      if (seen >= chunk.length) break;
    }
    if (before) missing += Math.max(0, chunk.length - seen);
    if (!dar) continue; // nothing watches them: they stay (the caller's own lab)
    // the HoAs' entries and their groups' only: the generator's own entry is the next hop of every CoA
    deleteNeighbours(await linkIndex("acc", dar.ns), chunk.flatMap((h) => [parseIPv6(h)!, parseIPv6(solicitedNode(h))!]), dar.ns);
    await addrBatches(genNs, "del", chunk);
  }
  return missing;
}

/** `ip addr replace|del HOA/128 dev acc` for each HoA in `genNs`, BATCH lines an `ip` run. */
async function addrBatches(genNs: string, verb: "replace" | "del", hoas: readonly string[]): Promise<void> {
  for (let i = 0; i < hoas.length; i += BATCH) {
    const lines = hoas.slice(i, i + BATCH).map((h) => ["addr", verb, `${h}/128`, "dev", "acc", ...(verb === "replace" ? ["nodad"] : [])]);
    await ipBatch(lines, genNs, { timeoutMs: BATCH_TIMEOUT_MS });
  }
}

/** One echo request from each HoA to the DAR's access address, through a raw socket in `genNs`. */
function echoFrom(genNs: string, hoas: readonly string[]): void {
  const fd = inNamespace(genNs, () => libc.socket(AF_INET6, SOCK_RAW | O.CLOEXEC, IPPROTO_RAW));
  if (fd < 0) throw new Error(`raw IPv6 socket in ${genNs}: errno ${errno()}`);
  try {
    const dst = parseIPv6(LOAD_PLAN.darAccess)!;
    const to = new Uint8Array(28);
    to[0] = AF_INET6;
    to.set(dst, 8);
    // a send the kernel refuses (a full queue) is retried by the caller's next round
    hoas.forEach((h, i) => { const p = echoRequest(parseIPv6(h)!, dst, i); libc.sendto(fd, p, p.length, 0, to, to.length); });
  } finally {
    libc.close(fd);
  }
}
