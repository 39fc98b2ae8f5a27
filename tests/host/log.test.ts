import { test } from "node:test";
import assert from "node:assert/strict";
import { Logger, takeLogFormat } from "../../host/log.js";
import { UsageError } from "../../host/errors.js";

const fixed = () => new Date("2025-01-02T03:04:05.678Z");

function capture(format: "text" | "json" | "auto", isTTY = false, level?: "debug" | "info" | "warn" | "error") {
  const lines: string[] = [];
  const log = new Logger({ format, isTTY, level, write: (l) => lines.push(l), now: fixed });
  return { log, lines };
}

test("json: one object per line with ts, level, event first", () => {
  const { log, lines } = capture("json");
  log.info("binding.added", { hoa: "2001:db8:1::100", lifetime: 600 });
  assert.equal(lines.length, 1);
  assert.equal(lines[0], '{"ts":"2025-01-02T03:04:05.678Z","level":"info","event":"binding.added","hoa":"2001:db8:1::100","lifetime":600}');
});

test("text: readable key=value, strings with spaces quoted", () => {
  const { log, lines } = capture("text");
  log.warn("route.failed", { dst: "2001:db8:1::100/128", error: new Error("RTNETLINK answers: File exists"), n: 2 });
  assert.equal(lines[0], '2025-01-02T03:04:05.678Z WARN  route.failed dst=2001:db8:1::100/128 error="RTNETLINK answers: File exists" n=2');
});

test("auto: text on a TTY, JSON otherwise", () => {
  assert.equal(new Logger({ format: "auto", isTTY: true }).format, "text");
  assert.equal(new Logger({ format: "auto", isTTY: false }).format, "json");
});

test("key material is never logged, at any depth, whatever its type", () => {
  const { log, lines } = capture("json");
  const phkt = new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]);
  log.info("bu.accepted", { hoa: "2001:db8:1::1", phkt, kbm: "abcd", nested: { privateKey: "-----BEGIN", keygenToken: 5n, coa: "2001:db8:2::1" }, list: [{ secret: 1 }] });
  const line = lines[0]!;
  assert.doesNotMatch(line, /0102030405060708|abcd|BEGIN/);
  const o = JSON.parse(line);
  assert.equal(o.phkt, "[redacted]");
  assert.equal(o.kbm, "[redacted]");
  assert.equal(o.nested.privateKey, "[redacted]");
  assert.equal(o.nested.keygenToken, "[redacted]");
  assert.equal(o.nested.coa, "2001:db8:2::1");
  assert.equal(o.list[0].secret, "[redacted]");
});

test("levels filter; child loggers add fields; bytes become hex; bigints text", () => {
  const { log, lines } = capture("json", false, "info");
  log.debug("noise");
  const child = log.child({ role: "dar", node: "dar1" });
  child.error("x", { data: new Uint8Array([0xab, 0xcd]), big: 2n ** 64n });
  assert.equal(lines.length, 1);
  const o = JSON.parse(lines[0]!);
  assert.equal(o.role, "dar");
  assert.equal(o.data, "abcd");
  assert.equal(o.big, "18446744073709551616");
  assert.equal(o.level, "error");
});

test("--log parsing: the format is taken out of the arguments, auto by default", () => {
  assert.deepEqual(takeLogFormat(["--config", "x.json", "--log", "json"]), { format: "json", rest: ["--config", "x.json"] });
  assert.deepEqual(takeLogFormat(["--log=text"]), { format: "text", rest: [] });
  assert.deepEqual(takeLogFormat([]), { format: "auto", rest: [] });
});

test("--log parsing: an unknown format is a usage error", () => {
  assert.throws(() => takeLogFormat(["--log", "xml"]), UsageError);
});

test("--log parsing: --log without a value is a usage error", () => {
  assert.throws(() => takeLogFormat(["--log"]), UsageError);
});
