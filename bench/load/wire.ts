// The generator's fast packet path: whole IPv6 packets written into the generator's and the CN's
// TUN (their kernels forward them to the DAR), and one receive loop on the generator's TUN that
// reads with the same non-blocking reads as the data plane (host/tun/linux.ts) until EAGAIN and
// hands each packet to the BA or the data handler. A write the kernel refuses (full queue) is
// dropped, as a full queue would.
import type { Tun } from "../../host/tun/types.js";

const NH_HOP = 0, NH_ROUTING = 43, NH_DSTOPT = 60, NH_MH = 135, NH_IPV6 = 41, MH_BA = 6;

export interface BaSeen {
  /** Destination (the CoA) at offset 24 of `p`. */
  p: Uint8Array;
  status: number;
  seq: number;
  /** Offset of the Mobility Header. */
  mhOff: number;
}

export class Wire {
  private running = false;
  private loop: Promise<void> = Promise.resolve();
  private readonly buf = new Uint8Array(2048);
  onBa: (ba: BaSeen, len: number, at: number) => void = () => undefined;
  /** A tunnelled packet (outer Next Header 41); `inner` is the offset of the inner header. */
  onTunnelled: (p: Uint8Array, len: number, inner: number, at: number) => void = () => undefined;

  constructor(readonly gen: Tun, readonly cn: Tun) {}

  /** Writes a packet from the generator's side (a BU, attack traffic). */
  send(p: Uint8Array): boolean { return this.gen.write(p, 0, p.length); }

  /** Writes a data packet from the CN's side. */
  sendFromCn(p: Uint8Array, len = p.length): boolean { return this.cn.write(p, 0, len); }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = (async () => {
      while (this.running && (await this.gen.readable())) {
        for (let i = 0; i < 4096 && this.running; i++) {
          const n = this.gen.readInto(this.buf, 0, this.buf.length);
          if (n === 0) break;
          this.dispatch(this.buf, n, performance.now());
        }
        await new Promise((r) => setImmediate(r));
      }
    })();
  }

  async stop(): Promise<void> { this.running = false; await Promise.race([this.loop, new Promise((r) => setTimeout(r, 200))]); }

  private dispatch(p: Uint8Array, n: number, at: number): void {
    if (n < 40 || p[0]! >> 4 !== 6) return;
    let nh = p[6]!;
    let off = 40;
    while ((nh === NH_HOP || nh === NH_ROUTING || nh === NH_DSTOPT) && off + 2 <= n) {
      const next = p[off]!;
      off += (p[off + 1]! + 1) * 8;
      nh = next;
    }
    if (nh === NH_MH && off + 12 <= n && p[off + 2] === MH_BA) {
      this.onBa({ p, status: p[off + 6]!, seq: (p[off + 8]! << 8) | p[off + 9]!, mhOff: off }, n, at);
    } else if (nh === NH_IPV6 && off === 40 && n >= 80) {
      this.onTunnelled(p, n, 40, at);
    }
  }
}
