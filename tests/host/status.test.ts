// `fama status` formatting (host/commands/status.ts): the DAR's bindings and counters as aligned
// tables, an MN agent's binding update list whatever its fields, unknown roles shown raw.
import { test } from "node:test";
import assert from "node:assert/strict";
import { formatStatus, table } from "../../host/commands/status.js";

test("table: columns aligned, numbers right-aligned, booleans and absent values readable", () => {
  const out = table([{ a: "x", n: 5, b: true }, { a: "longer", n: 1234, b: false, extra: 1 }, { a: "y" }], [["a", "A"], ["n", "NUM"], ["b", "B"]]);
  assert.equal(out, [
    "A        NUM  B",
    "x          5  yes",
    "longer  1234  no",
    "y          -  -",
    "",
  ].join("\n"));
});

const DAR = {
  role: "dar", anchor: "2001:db8:a:1::1", prefixes: ["2001:db8:1::/64"], tun: "fama0", uptimeS: 12, bindingsTotal: 3,
  bindings: [
    { hoa: "2001:db8:1:0:1025:a0e5:699e:78e", coa: "2001:db8:2::100", seq: 7, lifetime: 300, expiresInS: 290, hasPhkt: true, pktsToMn: 12, pktsFromMn: 3 },
    { hoa: "2001:db8:1::5", coa: "2001:db8:3::100", seq: 65535, lifetime: 86400, expiresInS: 5, hasPhkt: false, pktsToMn: 0, pktsFromMn: 0 },
  ],
  counters: { rx: 20, tx: 18, encap: 12, spoofed: 1, malformed: 0, "bu-accepted": 2 },
};

test("DAR status: header line, a bindings table, non-zero counters", () => {
  const out = formatStatus(DAR);
  const lines = out.split("\n");
  assert.equal(lines[0], "DAR anchor 2001:db8:a:1::1 prefixes 2001:db8:1::/64 tun fama0 up 12s, 3 bindings");
  assert.equal(lines[2], "HOME ADDRESS                     CARE-OF ADDRESS    SEQ  LIFETIME  EXPIRES IN  PHKT  PKTS TO MN  PKTS FROM MN");
  assert.equal(lines[3], "2001:db8:1:0:1025:a0e5:699e:78e  2001:db8:2::100      7       300         290  yes           12             3");
  assert.equal(lines[4], "2001:db8:1::5                    2001:db8:3::100  65535     86400           5  no             0             0");
  assert.equal(lines[5], "... 1 more (ask with a larger limit, or --json)");
  assert.match(out, /counters \(1 at zero not shown\):\nCOUNTER      VALUE\nrx              20\ntx              18\nencap           12\nspoofed          1\nbu-accepted      2\n$/);
  assert.match(formatStatus({ ...DAR, bindings: [], bindingsTotal: 0, counters: { rx: 0 } }), /0 bindings\n\n\(no bindings\)\n\ncounters \(1 at zero not shown\):\n\(all zero\)\n$/);
});

test("MN status: the binding update list with whatever fields the agent reports", () => {
  const out = formatStatus({
    role: "mn", coa: "2001:db8:2::100", uptimeS: 3,
    bul: [{ hoa: "2001:db8:1::5", dar: "2001:db8:a:1::1", seq: 4, state: "bound", lifetime: 300 }, { hoa: "2001:db8:3::5", dar: "2001:db8:a:3::1", seq: 1, state: "waiting-ba", retransmits: 2 }],
    counters: { "bu-sent": 5 },
  });
  const lines = out.split("\n");
  assert.equal(lines[0], "MN coa 2001:db8:2::100, uptimeS 3");
  assert.equal(lines[2], "binding update list:");
  assert.equal(lines[3], "HOME ADDRESS   DAR              SEQ  STATE       LIFETIME  RETRANSMITS");
  assert.equal(lines[4], "2001:db8:1::5  2001:db8:a:1::1    4  bound            300            -");
  assert.equal(lines[5], "2001:db8:3::5  2001:db8:a:3::1    1  waiting-ba         -            2");
  assert.match(out, /bu-sent\s+5\n$/);
  assert.match(formatStatus({ role: "mn" }), /binding update list:\n\(empty\)\n$/);
  assert.match(formatStatus({ role: "other", x: 1 }), /^daemon answered with role other:\n\{\n {2}"role": "other"/);
});
