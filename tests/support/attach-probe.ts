// Run inside a namespace (tests/e2e/mn-attach.test.ts): N link-ups through the MN agent's own
// KernelState.attachFast, each with a fresh CoA on `dev`, each followed at once by one datagram
// from the CoA to the on-link gateway, as the first BU follows it. attachFast deletes the
// gateway's neighbour entry first, so every datagram makes the kernel solicit the gateway from
// the CoA. Prints one JSON line per link-up: the CoA, attachFast's localUs, and the gateway's
// neighbour state 300 ms later (INCOMPLETE: its answer went astray and the entry waits for its
// 1 s retransmission).
// Usage: node attach-probe.js DEV GATEWAY PREFIX64 N
import dgram from "node:dgram";
import { execFileSync } from "node:child_process";
import { KernelState } from "../../host/mn/addresses.js";

const [dev, gateway, prefix, count] = process.argv.slice(2);
if (!dev || !gateway || !prefix || !count) throw new Error("usage: attach-probe.js DEV GATEWAY PREFIX64 N");
// the TUN, table, rule priority and diverted protocols are not used by attachFast
const kernel = new KernelState("unused", 100, 100, []);
const socket = dgram.createSocket("udp6");
await new Promise<void>((r) => socket.bind(0, "::", () => r()));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
try {
  for (let i = 0; i < Number(count); i++) {
    const coa = `${prefix}${(0x100 + i).toString(16)}`;
    const { localUs } = kernel.attachFast(dev, coa, gateway);
    socket.send(`${i}`, 9, gateway);
    await sleep(300);
    const neigh = execFileSync("ip", ["-6", "neigh", "show", gateway, "dev", dev], { encoding: "utf8" }).trim();
    console.log(JSON.stringify({ coa, localUs, gateway: neigh.split(/\s+/).pop() || "none" }));
    kernel.drop(coa);
  }
} finally {
  socket.close();
  await kernel.cleanup();
}
