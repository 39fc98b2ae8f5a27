// Addresses, default routes and policy rules through rtnetlink (RFC 3549), in-process and
// synchronous, for the MN agent's link-up path: an `ip` process costs 2-10 ms (more on a
// loaded machine), a netlink request and its acknowledgement tens of microseconds. The BUs of
// a handover leave only after the kernel has what their exchange needs (the CoA on the access
// link, the default route via the new DAR, no `from CoA lookup T` rule), so these steps are on
// the handover's critical path. host/net/netlink.ts RouteSocket does the DAR's /128 routes.
//
// Messages (all native-endian, linux/rtnetlink.h, linux/if_addr.h, linux/fib_rules.h):
//   nlmsghdr (16)
//   RTM_NEWADDR/RTM_DELADDR: ifaddrmsg (8: family, prefixlen, flags, scope, u32 index)
//     + IFA_LOCAL (16) + IFA_ADDRESS (16) + IFA_FLAGS (u32)
//   RTM_NEWROUTE: rtmsg (12) + RTA_GATEWAY (16) + RTA_OIF (u32) + RTA_TABLE (u32)
//   RTM_GETROUTE: rtmsg (12: dst_len 128, src_len 128) + RTA_DST (16) + RTA_SRC (16) + RTA_IIF
//     (u32); the answer is an RTM_NEWROUTE whose rtmsg type says what the kernel would do
//   RTM_DELNEIGH: ndmsg (12: family, pad, pad16, s32 ifindex, u16 state, u8 flags, u8 type)
//     + NDA_DST (16)
//   RTM_NEWRULE/RTM_DELRULE: fib_rule_hdr (12: family, dst_len, src_len, tos, table, res1,
//     res2, action, u32 flags) + FRA_SRC (16) + FRA_TABLE (u32) + FRA_PRIORITY (u32)
import { libc, errno } from "../libc.js";
import { openSocket, transact, query, NetlinkError } from "./netlink.js";

const AF_INET6 = 10;
const NLM_F_REQUEST = 0x1;
const NLM_F_ACK = 0x4;
const NLM_F_REPLACE = 0x100;
const NLM_F_EXCL = 0x200;
const NLM_F_CREATE = 0x400;

const RTM_NEWROUTE = 24;
const RTM_GETROUTE = 26;
const RTM_NEWADDR = 20;
const RTM_DELADDR = 21;
const RTM_NEWRULE = 32;
const RTM_DELNEIGH = 29;
const NDA_DST = 1;
const RTM_DELRULE = 33;

const IFA_ADDRESS = 1;
const IFA_LOCAL = 2;
const IFA_FLAGS = 8;
export const IFA_F_NODAD = 0x02;
const RT_SCOPE_UNIVERSE = 0;
const RT_SCOPE_HOST = 254;

const RTPROT_STATIC = 4;
const RTN_UNICAST = 1;
const RTN_LOCAL = 2;
const RTA_DST = 1;
const RTA_SRC = 2;
const RTA_IIF = 3;
const RTA_GATEWAY = 5;
const RTA_OIF = 4;
const RTA_TABLE = 15;
export const RT_TABLE_MAIN = 254;

const FR_ACT_TO_TBL = 1;
const FRA_SRC = 2;
const FRA_PRIORITY = 6;
const FRA_TABLE = 15;

const EEXIST = 17;
const ENOENT = 2;
const EADDRNOTAVAIL = 99;
const ESRCH = 3;
const ENODEV = 19;

/** Synchronous rtnetlink requests (one socket; each call waits for the kernel's ack). */
export class Rtnetlink {
  private fd: number;
  private seq = 1;
  private readonly buf = new Uint8Array(256);
  private readonly view = new DataView(this.buf.buffer);
  private readonly reply = new Uint8Array(8192);
  private len = 0;

  constructor(ns?: string) {
    this.fd = openSocket(ns);
    if (this.fd < 0) throw new NetlinkError("netlink socket", errno());
  }

  close(): void {
    if (this.fd >= 0) libc.close(this.fd);
    this.fd = -1;
  }

  /** `ip -6 addr replace addr/prefixLen dev ifindex [nodad]` (scope host on lo). */
  addrReplace(ifindex: number, addr: Uint8Array, prefixLen: number, opts: { nodad?: boolean; host?: boolean } = {}): void {
    const flags = opts.nodad === false ? 0 : IFA_F_NODAD;
    this.addrMsg(RTM_NEWADDR, NLM_F_CREATE | NLM_F_REPLACE, ifindex, addr, prefixLen, flags, opts.host ? RT_SCOPE_HOST : RT_SCOPE_UNIVERSE);
    this.send("address replace");
  }

  /** `ip -6 addr del addr/prefixLen dev ifindex`; false when it was not there. */
  addrDelete(ifindex: number, addr: Uint8Array, prefixLen: number): boolean {
    this.addrMsg(RTM_DELADDR, 0, ifindex, addr, prefixLen, 0, RT_SCOPE_UNIVERSE);
    return this.sendTolerating("address delete", [EADDRNOTAVAIL, ENOENT, ENODEV]);
  }

  /** `ip -6 route replace ::/0 via gateway dev ifindex [table T]`. */
  defaultRouteReplace(gateway: Uint8Array, ifindex: number, table = RT_TABLE_MAIN): void {
    const b = this.begin(RTM_NEWROUTE, NLM_F_CREATE | NLM_F_REPLACE, 12);
    b[16] = AF_INET6; // dst_len 0
    b[20] = table < 256 ? table : 252; // RT_TABLE_COMPAT when the attribute carries it
    b[21] = RTPROT_STATIC;
    b[22] = RT_SCOPE_UNIVERSE;
    b[23] = RTN_UNICAST;
    this.attr(RTA_GATEWAY, gateway);
    this.attr32(RTA_OIF, ifindex);
    this.attr32(RTA_TABLE, table);
    this.send("default route replace");
  }

  /** `ip -6 route replace dst/128 dev ifindex table T` (kept for symmetry with RouteSocket). */
  hostRouteReplace(dst: Uint8Array, ifindex: number, table: number): void {
    const b = this.begin(RTM_NEWROUTE, NLM_F_CREATE | NLM_F_REPLACE, 12);
    b[16] = AF_INET6;
    b[17] = 128;
    b[20] = table < 256 ? table : 252;
    b[21] = RTPROT_STATIC;
    b[23] = RTN_UNICAST;
    this.attr(RTA_DST, dst);
    this.attr32(RTA_OIF, ifindex);
    this.attr32(RTA_TABLE, table);
    this.send("route replace");
  }

  /** `ip -6 rule add from src/128 lookup table priority p`; an identical rule is fine. */
  ruleAdd(src: Uint8Array, table: number, priority: number): void {
    this.ruleMsg(RTM_NEWRULE, NLM_F_CREATE | NLM_F_EXCL, src, table, priority);
    this.sendTolerating("rule add", [EEXIST]);
  }

  /** `ip -6 rule del from src/128 lookup table priority p`; false when there was none. */
  ruleDelete(src: Uint8Array, table: number, priority: number): boolean {
    this.ruleMsg(RTM_DELRULE, 0, src, table, priority);
    return this.sendTolerating("rule delete", [ENOENT, ESRCH]);
  }

  /** `ip -6 neigh del addr dev ifindex`; false when there was no entry. */
  neighDelete(ifindex: number, addr: Uint8Array): boolean {
    this.begin(RTM_DELNEIGH, 0, 12);
    this.buf[16] = AF_INET6;
    this.view.setInt32(20, ifindex, true);
    this.attr(NDA_DST, addr);
    return this.sendTolerating("neighbour delete", [ENOENT, ESRCH, ENODEV]);
  }

  /**
   * `ip -6 route get dst from src iif ifindex` says "local": a packet from `src` arriving on
   * `ifindex` for `dst` would be delivered to this host (not forwarded).
   */
  deliversLocally(dst: Uint8Array, src: Uint8Array, ifindex: number): boolean {
    const b = this.begin(RTM_GETROUTE, 0, 12, false);
    b[16] = AF_INET6;
    b[17] = 128; // dst_len
    b[18] = 128; // src_len
    this.attr(RTA_DST, dst);
    this.attr(RTA_SRC, src);
    this.attr32(RTA_IIF, ifindex);
    this.seal();
    const answer = query(this.fd, this.buf, this.len, this.reply, "route get");
    return answer.byteLength >= 28 && answer.getUint8(16 + 7) === RTN_LOCAL;
  }

  // ---------------------------------------------------------------------------------------

  private addrMsg(type: number, flags: number, ifindex: number, addr: Uint8Array, prefixLen: number, ifaFlags: number, scope: number): void {
    const b = this.begin(type, flags, 8);
    b[16] = AF_INET6;
    b[17] = prefixLen;
    b[18] = ifaFlags & 0xff;
    b[19] = scope;
    this.view.setUint32(20, ifindex, true);
    this.attr(IFA_LOCAL, addr);
    this.attr(IFA_ADDRESS, addr);
    if (type === RTM_NEWADDR) this.attr32(IFA_FLAGS, ifaFlags);
  }

  private ruleMsg(type: number, flags: number, src: Uint8Array, table: number, priority: number): void {
    const b = this.begin(type, flags, 12);
    b[16] = AF_INET6;
    b[18] = 128; // src_len
    b[20] = table < 256 ? table : 252;
    b[23] = FR_ACT_TO_TBL;
    this.attr(FRA_SRC, src);
    this.attr32(FRA_TABLE, table);
    this.attr32(FRA_PRIORITY, priority);
  }

  private begin(type: number, flags: number, bodyLen: number, ack = true): Uint8Array {
    const b = this.buf;
    b.fill(0);
    this.view.setUint16(4, type, true);
    this.view.setUint16(6, NLM_F_REQUEST | (ack ? NLM_F_ACK : 0) | flags, true);
    this.len = 16 + bodyLen;
    return b;
  }

  private attr(kind: number, data: Uint8Array): void {
    const o = this.len;
    this.view.setUint16(o, 4 + data.length, true);
    this.view.setUint16(o + 2, kind, true);
    this.buf.set(data, o + 4);
    this.len = o + ((4 + data.length + 3) & ~3);
  }

  private attr32(kind: number, value: number): void {
    const o = this.len;
    this.view.setUint16(o, 8, true);
    this.view.setUint16(o + 2, kind, true);
    this.view.setUint32(o + 4, value >>> 0, true);
    this.len = o + 8;
  }

  private sendTolerating(what: string, ok: number[]): boolean {
    try {
      this.send(what);
      return true;
    } catch (e) {
      if (e instanceof NetlinkError && ok.includes(e.errno)) return false;
      throw e;
    }
  }

  private send(what: string): void {
    this.seal();
    transact(this.fd, this.buf, this.len, this.reply, what);
  }

  /** The header's length and sequence number, on an open socket. */
  private seal(): void {
    if (this.fd < 0) throw new Error("netlink socket closed");
    this.view.setUint32(0, this.len, true);
    this.view.setUint32(8, this.seq++, true);
  }
}


