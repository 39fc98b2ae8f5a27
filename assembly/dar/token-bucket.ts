// A token bucket on the host's clock (now in ms): `depth` tokens at most, refilled at
// `perSecond`, fractional tokens kept. A clock that goes back restarts the refill clock
// (no tokens are minted by a jump backwards). Instances are made once at module start.

export class TokenBucket {
  tokens: f64 = 0;
  depth: f64 = 0;
  perMs: f64 = 0;
  last: f64 = 0;
  started: bool = false;

  /** Sets the rate and depth and fills the bucket. */
  setup(perSecond: f64, depth: f64): void {
    this.perMs = perSecond / 1000;
    this.depth = depth;
    this.tokens = depth;
    this.started = false;
  }

  refill(now: f64): void {
    if (!this.started || now < this.last) {
      this.started = true;
      this.last = now;
      return;
    }
    const t = this.tokens + (now - this.last) * this.perMs;
    this.tokens = t > this.depth ? this.depth : t;
    this.last = now;
  }

  /** Takes `cost` tokens if the bucket holds them. */
  take(cost: f64, now: f64): bool {
    this.refill(now);
    if (this.tokens < cost) return false;
    this.tokens -= cost;
    return true;
  }

  /** Milliseconds until `cost` tokens are there (0: now; Infinity: never, cost > depth). */
  wait_ms(cost: f64, now: f64): f64 {
    this.refill(now);
    if (this.tokens >= cost) return 0;
    if (cost > this.depth || this.perMs <= 0) return Infinity;
    return Math.ceil((cost - this.tokens) / this.perMs);
  }
}
