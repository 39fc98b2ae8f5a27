// The DAR's signalling TUN: BUs and CoTIs to A_k, diverted into it by tc (anchor-divert.ts), and
// nothing else. IPv6 is turned off on it BEFORE the link goes up: a TUN that comes up with IPv6
// on joins its multicast groups at once (all-routers too, the DAR forwards) and the kernel sends
// MLDv2 reports into it before a later disable_ipv6 lands; the daemon read them as signalling,
// and now and then the TUN counted one of them in tx_dropped, the figure status reports as the
// flood's `kernelDrops`.
import { openTun, type LinuxTun } from "../tun/linux.js";
import { linkUp, sysctl } from "../net/ip.js";

export async function openSignalTun(o: { name: string; mtu: number; txqueuelen: number }): Promise<LinuxTun> {
  const tun = await openTun({ ...o, up: false });
  try {
    await sysctl(`net/ipv6/conf/${tun.name}/disable_ipv6`, 1); // slashes: a name may hold dots
    await linkUp(tun.name);
    return tun;
  } catch (e) {
    tun.close();
    throw e;
  }
}
