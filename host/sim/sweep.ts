// The sweep: the default scenario at every (M, N), both schemes, for the scaling table and curves.
import { simulate } from "./run.js";
import { DEFAULTS, scenario, type Scenario } from "./scenario.js";
import type { RunSummary } from "./metrics.js";

export interface SweepPoint {
  mns: number;
  dars: number;
  /** mean cell residence time: the MNs' speed */
  residenceS: number;
  fama: RunSummary;
  central: RunSummary;
  /** simulator speed over both schemes */
  wallS: number;
  cpuS: number;
  packetEvents: number;
  simulatedS: number;
}

export function sweep(mnsList: number[], darsList: number[], base: Partial<Scenario>, progress?: (p: SweepPoint) => void,
  residenceList: number[] = [base.residenceS ?? DEFAULTS.residenceS]): SweepPoint[] {
  const out: SweepPoint[] = [];
  for (const mns of mnsList) {
    for (const dars of darsList) {
      for (const residenceS of residenceList) {
        const sim = simulate(scenario({ ...base, topology: undefined, trace: null, mns, dars, residenceS }));
        const [f, c] = sim.runs;
        const p: SweepPoint = {
          mns, dars, residenceS, fama: f!.summary, central: c!.summary, wallS: f!.wallS + c!.wallS, cpuS: f!.cpuS + c!.cpuS,
          packetEvents: f!.packetEvents + c!.packetEvents, simulatedS: 2 * sim.scenario.durationS,
        };
        out.push(p);
        progress?.(p);
      }
    }
  }
  return out;
}
