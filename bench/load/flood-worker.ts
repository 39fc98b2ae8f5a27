// A flood sender on its own thread, so that the main thread's paced data stream and BA handling
// are not slowed by it: cycles through prebuilt packets, writing each into the generator's TUN
// (the same descriptor as the main thread's; a TUN write is one whole packet) as fast as the
// kernel takes them, until told to stop. Counts written and refused packets in shared memory.
import { Worker, isMainThread, parentPort, workerData } from "node:worker_threads";
import { fileURLToPath } from "node:url";
import { LinuxTun } from "../../host/tun/linux.js";

interface FloodData { fd: number; name: string; packets: Uint8Array[]; state: SharedArrayBuffer }
const STOP = 0, SENT = 1, REFUSED = 2;

export class Flood {
  private readonly state = new SharedArrayBuffer(16);
  private readonly v = new Int32Array(this.state);
  private readonly worker: Worker;
  private readonly done: Promise<void>;

  constructor(tun: { fd: number; name: string }, packets: Uint8Array[]) {
    this.worker = new Worker(fileURLToPath(import.meta.url), { workerData: { fd: tun.fd, name: tun.name, packets, state: this.state } satisfies FloodData });
    this.done = new Promise((resolve, reject) => { this.worker.once("exit", () => resolve()); this.worker.once("error", reject); });
  }

  get sent(): number { return Atomics.load(this.v, SENT); }
  get refused(): number { return Atomics.load(this.v, REFUSED); }

  async stop(): Promise<void> { Atomics.store(this.v, STOP, 1); await this.done; }
}

if (!isMainThread && parentPort) {
  const d = workerData as FloodData;
  const v = new Int32Array(d.state);
  const tun = new LinuxTun(d.fd, d.name); // not closed here: the main thread owns the descriptor
  // copies in this thread's own (off-heap) memory: raw addresses for the writes, no view per packet
  const total = d.packets.reduce((n, p) => n + p.length, 0);
  const mem = new Uint8Array(Math.max(total, 128));
  const offs: number[] = [];
  let o = 0;
  for (const p of d.packets) { mem.set(p, o); offs.push(o); o += p.length; }
  const lens = d.packets.map((p) => p.length);
  let i = 0;
  while (Atomics.load(v, STOP) === 0) {
    for (let k = 0; k < 256; k++) {
      const j = i++ % offs.length;
      if (tun.write(mem, offs[j]!, lens[j]!)) Atomics.add(v, SENT, 1); else Atomics.add(v, REFUSED, 1);
    }
  }
}
