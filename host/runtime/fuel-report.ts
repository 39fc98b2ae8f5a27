// Fuel per packet class (`fama replay --runtime wasmtime --fuel-report`): wasmtime's fuel is a
// deterministic count of the WebAssembly work a call did, so the maximum over a capture is a
// reproducible bound on what one packet of each kind can cost the DAR.
//
// A packet's class comes from the core itself: the drop reason it was counted under, or for a
// packet that got an answer, the output counter that moved (encap, decap, cot-sent, ...);
// a Binding Update's class adds its mode (cga when it carries CGA Parameters, else phkt) and
// whether it was a deregistration.
import { VERDICT_SEND, type CounterName, type Dar } from "../core/dar.js";
import { decodePacket } from "../core/mh.js";
import type { Core } from "../wasm.js";

export interface FuelClass {
  name: string;
  packets: number;
  maxFuel: number;
  totalFuel: number;
  /** Index (in the input) of the packet that cost maxFuel. */
  maxIndex: number;
}

const OUTPUT_COUNTERS: CounterName[] = ["encap", "decap", "echo-reply", "time-exceeded-sent", "too-big-sent", "cot-sent", "be-sent", "bu-accepted", "bu-rejected"];
const MH_CGA_PARAMETERS = 12;
const MH_BINDING_UPDATE = 5;

export class FuelProfile {
  readonly classes = new Map<string, FuelClass>();
  private before = new Map<CounterName, bigint>();
  private fuelBefore = 0;

  /** `decoder`: a second core that classifies inputs (so decoding costs the DAR no fuel). */
  constructor(private readonly dar: Dar, private readonly decoder: Core) {
    if (!dar.core.fuelUsed) throw new Error("a fuel report needs a core loaded under wasmtime with fuel metering");
  }

  /** Call right before process(1, now) on slot 0. */
  start(): void {
    for (const c of OUTPUT_COUNTERS) this.before.set(c, this.dar.counter(c));
    this.fuelBefore = this.dar.core.fuelUsed!();
  }

  /** Call right after process(1, now); `input` is the packet that was in slot 0. */
  finish(index: number, input: Uint8Array): void {
    const fuel = this.dar.core.fuelUsed!() - this.fuelBefore;
    const name = this.classify(input);
    let c = this.classes.get(name);
    if (!c) {
      c = { name, packets: 0, maxFuel: 0, totalFuel: 0, maxIndex: index };
      this.classes.set(name, c);
    }
    c.packets++;
    c.totalFuel += fuel;
    if (fuel > c.maxFuel) { c.maxFuel = fuel; c.maxIndex = index; }
  }

  private classify(input: Uint8Array): string {
    const dar = this.dar;
    const moved = OUTPUT_COUNTERS.filter((c) => dar.counter(c) !== this.before.get(c));
    const base = dar.verdict(0) === VERDICT_SEND ? moved.join("+") || "sent" : `dropped: ${dar.reasonName(0) ?? `reason ${dar.reason(0)}`}`;
    const d = decodePacket(this.decoder, input);
    if (!d.ok || !d.mh || d.mh.type !== MH_BINDING_UPDATE) return base;
    const mode = d.mh.options.some((o) => o.type === MH_CGA_PARAMETERS) ? "cga" : "phkt";
    return `BU ${mode}${d.mh.lifetime === 0 ? " dereg" : ""}: ${base}`;
  }

  /** The classes, most expensive first. */
  sorted(): FuelClass[] {
    return [...this.classes.values()].sort((a, b) => b.maxFuel - a.maxFuel);
  }

  /** A text table: class, packets, max and mean fuel, the input index of the max. */
  table(): string {
    const rows = this.sorted().map((c) => [c.name, String(c.packets), String(c.maxFuel), String(Math.round(c.totalFuel / c.packets)), `#${c.maxIndex}`]);
    const head = ["class", "packets", "max fuel", "mean fuel", "max at"];
    const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
    const line = (r: string[]) => r.map((v, i) => (i === 0 ? v.padEnd(widths[i]!) : v.padStart(widths[i]!))).join("  ");
    return [line(head), ...rows.map(line)].join("\n");
  }
}
