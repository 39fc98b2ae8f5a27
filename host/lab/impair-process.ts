// The impairment stage as its own process, started inside the wire's namespace:
//   node impair-process.js SPEC A1 B1 [A2 B2 ...]
// prints {"event":"impair.ready"} once the wire is up, {"event":"impair.stats",...} every second
// when something changed and once more at SIGTERM/SIGINT, then exits 0. Bad arguments: exit 2.
import { parseImpair, formatImpair } from "./impair.js";
import { ImpairWire } from "./impair-wire.js";

const [specText, ...ends] = process.argv.slice(2);
if (!specText || ends.length === 0 || ends.length % 2 !== 0) {
  process.stderr.write("usage: impair-process SPEC A1 B1 [A2 B2 ...]\n");
  process.exit(2);
}
let spec;
try { spec = parseImpair(specText); } catch (e) { process.stderr.write(`${(e as Error).message}\n`); process.exit(2); }
const pairs: [string, string][] = [];
for (let i = 0; i < ends.length; i += 2) pairs.push([ends[i]!, ends[i + 1]!]);
const wire = new ImpairWire(spec);
const say = (o: Record<string, unknown>) => process.stdout.write(JSON.stringify(o) + "\n");
await wire.start(pairs);
say({ event: "impair.ready", spec: formatImpair(spec), pairs });
let last = "";
const timer = setInterval(() => { const s = JSON.stringify(wire.stats()); if (s !== last) { last = s; say({ event: "impair.stats", ...wire.stats() }); } }, 1000);
const stop = () => { clearInterval(timer); say({ event: "impair.stats", final: true, ...wire.stats() }); wire.close(); process.exit(0); };
process.once("SIGTERM", stop);
process.once("SIGINT", stop);
