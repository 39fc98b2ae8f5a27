// A tunnel MTU below 1280: `fama replay` (no TUN) takes it and applies the profile's rule
// (docs/PROTOCOL.md §2.5: Packet Too Big with MTU = max(tunnel MTU, 1280), and nothing of
// 1280 bytes or less is refused); `fama dar` (a TUN) refuses it with the reason.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, writeFileSync, mkdtempSync, rmSync } from "node:fs";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { spawnSync } from "node:child_process";
import { VECTORS_DIR, REPO_ROOT } from "../../host/paths.js";
import { readPcap, writePcap } from "../../host/pcap.js";
import { udpPacket } from "../support/packets.js";

const CLI = join(REPO_ROOT, "build/js/host/cli.js");
const SCENARIO = join(VECTORS_DIR, "dar", "ptb");
const CN = "2001:db8:999::53";
const HOA = "2001:db8:100:1:2453:7a9b:e2f7:1561";
const NH_ICMPV6 = 58, NH_IPV6 = 41, ICMP_PACKET_TOO_BIG = 2;

function fama(...args: string[]) {
  return spawnSync(process.execPath, ["--disable-warning=ExperimentalWarning", CLI, ...args], { encoding: "utf8" });
}

function withDir(run: (dir: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), "fama-mtu-"));
  try { run(dir); } finally { rmSync(dir, { recursive: true, force: true }); }
}

/** The ptb scenario's configuration with another tunnelMtu, written to `dir`. */
function configWith(dir: string, tunnelMtu: number, extra: Record<string, unknown> = {}): string {
  const cfg = { ...JSON.parse(readFileSync(`${SCENARIO}.config.json`, "utf8")), tunnelMtu, ...extra };
  const path = join(dir, "dar.json");
  writeFileSync(path, JSON.stringify(cfg));
  return path;
}

test("replay: tunnelMtu 1200 gives a Packet Too Big with MTU 1280 for a 1281-byte packet, and tunnels 1280 and 1240 bytes", () => {
  withDir((dir) => {
    // The scenario's BU binds HOA; then CN -> HoA data of three sizes, one second apart.
    const bu = readPcap(`${SCENARIO}.in.pcap`).packets[0];
    const sizes = [1281, 1280, 1240];
    const input = [bu, ...sizes.map((size, i) => ({ tsSec: bu.tsSec + 1 + i, tsUsec: 0, data: udpPacket(CN, HOA, size - 48) }))];
    writePcap(join(dir, "in.pcap"), input);
    const r = fama("replay", "--config", configWith(dir, 1200), "--in", join(dir, "in.pcap"), "--out", join(dir, "out.pcap"));
    assert.equal(r.status, 0, r.stderr);

    const out = readPcap(join(dir, "out.pcap")).packets.map((p) => p.data);
    assert.equal(out.length, 4, "BA, PTB, two tunnel packets");
    const ptb = out[1];
    assert.equal(ptb[6], NH_ICMPV6);
    assert.equal(ptb[40], ICMP_PACKET_TOO_BIG);
    assert.equal(new DataView(ptb.buffer, ptb.byteOffset).getUint32(44), 1280, "MTU = max(1200, 1280)");
    assert.deepEqual([out[2][6], out[2].length], [NH_IPV6, 1280 + 40]);
    assert.deepEqual([out[3][6], out[3].length], [NH_IPV6, 1240 + 40]);
  });
});

test("replay: tunnelMtu 0 is refused with a clear error, exit 1", () => {
  withDir((dir) => {
    const r = fama("replay", "--config", configWith(dir, 0), "--in", `${SCENARIO}.in.pcap`, "--out", join(dir, "out.pcap"));
    assert.equal(r.status, 1);
    assert.match(r.stderr, /"tunnelMtu" must be an integer from 1 to 65535, not 0/);
  });
});

test("dar: tunnelMtu 1200 is refused before anything is created, with the reason, exit 1", () => {
  withDir((dir) => {
    const daemonKeys = { tun: "fama-mtu0", stateDir: join(dir, "state"), socket: join(dir, "dar.sock") };
    const r = fama("dar", "--config", configWith(dir, 1200, daemonKeys));
    assert.equal(r.status, 1);
    assert.match(r.stderr, /"tunnelMtu" must be at least 1280 for the daemon, not 1200: fama does not fragment tunnel packets/);
  });
});
