// The impairment wire: inside its own namespace, pairs of link ends (`a`, `b`) joined by tc
// alone (cls u32 + act_mirred, which this kernel has), with the signalling frames taken out to
// this process through one TAP per direction:
//   a ingress: IPv6 whose first Next Header is 135 (MH), 60 (Destination Options: a BU with its
//              HAO) or 43 (Routing Header: a BA with its RH2)  -> mirred to tap_a (we read it)
//   a ingress: anything else                                    -> mirred to b's egress
//   tap_a ingress (what we write back)                          -> mirred to b's egress
// and the same from b to a. The kernel forwards data and neighbour discovery between the ends
// untouched; this process applies the seeded decisions of impair.ts to each signalling frame and
// writes the survivors (twice for dup, later for hold) back into the TAP they came from. IPv6 is
// off in the namespace, so the TAPs and ends send nothing of their own.
import { libc, errno, O, describeErrno } from "../libc.js";
import { LinuxTun } from "../tun/linux.js";
import { run, linkSet, sysctls } from "../net/ip.js";
import { ImpairDecider, REORDER_HOLD_MS, type ImpairSpec } from "./impair.js";

const TUNSETIFF = 0x400454ca;
const IFF_TAP = 0x0002;
const IFF_NO_PI = 0x1000;
const SIGNALLING_NEXT_HEADERS = [135, 60, 43];

/** Opens a TAP device (whole Ethernet frames) in this process's namespace. */
export function openTap(name: string): LinuxTun {
  const fd = libc.open("/dev/net/tun", O.RDWR | O.NONBLOCK | O.CLOEXEC);
  if (fd < 0) throw new Error(`open /dev/net/tun: ${describeErrno(errno())}`);
  const ifr = new Uint8Array(40);
  ifr.set(Buffer.from(name), 0);
  new DataView(ifr.buffer).setUint16(16, IFF_TAP | IFF_NO_PI, true);
  if (libc.ioctl(fd, TUNSETIFF, ifr) < 0) { const e = errno(); libc.close(fd); throw new Error(`TUNSETIFF ${name}: ${describeErrno(e)}`); }
  return new LinuxTun(fd, name);
}

/** The tc lines that join `a` and `b` with the signalling of each direction diverted to its TAP. */
export function wireLines(a: string, b: string, tapA: string, tapB: string): string[] {
  const lines: string[] = [];
  for (const [from, to, tap] of [[a, b, tapA], [b, a, tapB]] as const) {
    lines.push(`qdisc add dev ${from} clsact`, `qdisc add dev ${tap} clsact`);
    SIGNALLING_NEXT_HEADERS.forEach((nh, i) => lines.push(`filter add dev ${from} ingress pref ${10 + i} protocol ipv6 u32 match u8 ${nh} 0xff at 6 action mirred egress redirect dev ${tap}`));
    lines.push(`filter add dev ${from} ingress pref 20 protocol all u32 match u32 0 0 action mirred egress redirect dev ${to}`);
    lines.push(`filter add dev ${tap} ingress pref 10 protocol all u32 match u32 0 0 action mirred egress redirect dev ${to}`);
  }
  return lines;
}

interface Direction { tap: LinuxTun; held: Uint8Array | null; timer: NodeJS.Timeout | null }

export class ImpairWire {
  readonly decider: ImpairDecider;
  frames = 0;
  private readonly dirs: Direction[] = [];
  private running = true;
  private readonly buf = new Uint8Array(2048);

  constructor(spec: ImpairSpec) { this.decider = new ImpairDecider(spec); }

  /** Sets up the pairs [a, b] (link ends already in this namespace) and starts relaying. */
  async start(pairs: readonly (readonly [string, string])[]): Promise<void> {
    await sysctls({ "net.ipv6.conf.all.disable_ipv6": 1, "net.ipv6.conf.default.disable_ipv6": 1 });
    const lines: string[] = [];
    for (const [i, [a, b]] of pairs.entries()) {
      const ta = openTap(`imp${i}a`), tb = openTap(`imp${i}b`);
      for (const dev of [a, b, ta.name, tb.name]) await linkSet(dev, { up: true, mtu: 1500 });
      lines.push(...wireLines(a, b, ta.name, tb.name));
      this.dirs.push({ tap: ta, held: null, timer: null }, { tap: tb, held: null, timer: null });
    }
    await run("tc", ["-batch", "-"], { input: lines.join("\n") + "\n" });
    for (const d of this.dirs) void this.relay(d);
  }

  private async relay(d: Direction): Promise<void> {
    while (this.running && (await d.tap.readable())) {
      for (;;) {
        const n = d.tap.readInto(this.buf, 0, this.buf.length);
        if (n === 0) break;
        this.frames++;
        this.apply(d, this.buf.subarray(0, n));
      }
    }
  }

  private apply(d: Direction, frame: Uint8Array): void {
    const v = this.decider.decide();
    if (v === "drop") return;
    if (v === "hold") {
      this.flush(d);
      d.held = frame.slice();
      d.timer = setTimeout(() => this.flush(d), REORDER_HOLD_MS);
      return;
    }
    d.tap.write(frame, 0, frame.length);
    if (v === "dup") d.tap.write(frame, 0, frame.length);
    this.flush(d); // a held frame goes out after this one: reordered
  }

  private flush(d: Direction): void {
    if (d.timer) clearTimeout(d.timer);
    d.timer = null;
    if (d.held) { d.tap.write(d.held, 0, d.held.length); d.held = null; }
  }

  stats(): Record<string, number> { return { frames: this.frames, ...this.decider.counts }; }

  close(): void {
    this.running = false;
    for (const d of this.dirs) { this.flush(d); d.tap.close(); }
  }
}

