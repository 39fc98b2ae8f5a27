// One load-lab session: the namespaces (net.ts), the real `fama dar` (daemon.ts), the wire with
// its receive loop running (wire.ts) and a core instance for the test MN's builders and the CGA
// code. `close()` stops everything and removes the namespaces, also after a failure.
import { loadCore } from "../../host/wasm.js";
import type { Core } from "../../host/wasm.js";
import { LoadNet } from "./net.js";
import { LoadDar } from "./daemon.js";
import { Wire } from "./wire.js";
import type { ImpairSpec } from "../../host/lab/impair.js";

export interface SessionOptions {
  /** Namespace prefix (unique per run). */
  prefix: string;
  /** Extra keys of the DAR's config file. */
  darConfig?: Record<string, unknown>;
  stateDir?: string;
  /** Node options of the daemon's process (default: the OpenWrt service's, host/dar/node-flags.ts). */
  nodeArgs?: readonly string[];
  /** How long the daemon may take to start (restoring a million bindings takes a while). */
  startTimeoutMs?: number;
  /** Run the access link through the impairment wire (drop/duplicate/reorder BUs and BAs). */
  impair?: ImpairSpec;
}

export class LoadSession {
  private constructor(readonly net: LoadNet, readonly dar: LoadDar, readonly wire: Wire, readonly core: Core) {}

  static async open(o: SessionOptions): Promise<LoadSession> {
    const net = await LoadNet.build(o.prefix, { impair: o.impair });
    try {
      const dar = await LoadDar.start(net, o.darConfig ?? {}, { stateDir: o.stateDir, nodeArgs: o.nodeArgs, startTimeoutMs: o.startTimeoutMs });
      const wire = new Wire(net.genTun, net.cnTun);
      wire.start();
      net.scope.defer("wire", () => wire.stop());
      return new LoadSession(net, dar, wire, loadCore());
    } catch (e) {
      await net.destroy().catch(() => undefined);
      throw e;
    }
  }

  async close(): Promise<void> { await this.net.destroy(); }
}
