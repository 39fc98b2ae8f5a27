// The simulator's clock: a binary heap of events ordered by time (integer microseconds),
// ties broken by insertion order, so a run is the same sequence of steps for a seed.

export interface Scheduled<T> { at: number; order: number; item: T }

export class EventQueue<T> {
  private heap: Scheduled<T>[] = [];
  private counter = 0;
  now = 0;

  get size(): number { return this.heap.length; }

  push(at: number, item: T): void {
    if (at < this.now) throw new RangeError(`event at ${at} us scheduled in the past (now ${this.now})`);
    const e = { at, order: this.counter++, item };
    const h = this.heap;
    h.push(e);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!before(e, h[p]!)) break;
      h[i] = h[p]!;
      i = p;
    }
    h[i] = e;
  }

  /** The next event (advancing now), or null when none is left at or before `until`. */
  pop(until: number): T | null {
    const h = this.heap;
    const top = h[0];
    if (!top || top.at > until) return null;
    const last = h.pop()!;
    if (h.length) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= h.length) break;
        const r = l + 1;
        const c = r < h.length && before(h[r]!, h[l]!) ? r : l;
        if (!before(h[c]!, last)) break;
        h[i] = h[c]!;
        i = c;
      }
      h[i] = last;
    }
    this.now = top.at;
    return top.item;
  }
}

function before<T>(x: Scheduled<T>, y: Scheduled<T>): boolean {
  return x.at < y.at || (x.at === y.at && x.order < y.order);
}
