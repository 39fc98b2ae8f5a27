// A whole simulation: one script drawn from the scenario's seed, run by each scheme.
import { keyPool, type PoolKey } from "./cores.js";
import { runScheme, type Observer, type RunResult, type Scheme } from "./domain.js";
import { script, type Scenario } from "./scenario.js";

export interface Simulation { scenario: Scenario; runs: RunResult[] }

const pools = new Map<string, PoolKey[]>();

/** The key pool for (count, bits), generated once per process. */
export function sharedKeys(count: number, bits: number): PoolKey[] {
  const id = `${count}/${bits}`;
  let keys = pools.get(id);
  if (!keys) { keys = keyPool(count, bits); pools.set(id, keys); }
  return keys;
}

export function simulate(sc: Scenario, schemes: Scheme[] = ["fama", "central"], observe?: Observer): Simulation {
  const plan = script(sc);
  const keys = sharedKeys(sc.keys, sc.keyBits);
  return { scenario: sc, runs: schemes.map((s) => runScheme(sc, plan, s, keys, observe)) };
}
