// fama cga gen | verify: form a CGA (RFC 3972) for a key and prefix, or check one.
import { randomBytes } from "node:crypto";
import { parseArgs, required, intOption, type ParsedArgs } from "../args.js";
import { UsageError, InputError } from "../errors.js";
import { loadCore, type Core } from "../wasm.js";
import { loadPrivateKey, spkiDer } from "../keys.js";
import { parseIPv6, parsePrefix, formatIPv6 } from "../ipv6.js";
import {
  cgaVerify, cgaSearchStart, cgaSearchStep, cgaSearchModifier, cgaSearchAttempts, cgaAddress, derCheck,
} from "../core/cga.js";

export const usage =
  "cga gen --key mn.pem --prefix P/64 [--sec 1] [--modifier HEX] [--collision-count N] [--ext HEX] [--json]  form a CGA\n" +
  "  cga verify --address ADDR --params HEX [--min-sec N] [--json]  check a CGA (exit 0 valid, 1 invalid)";

export async function run(args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === "gen") return gen(rest);
  if (sub === "verify") return verify(rest);
  throw new UsageError(sub ? `unknown cga subcommand '${sub}' (gen or verify)` : "cga needs a subcommand: gen or verify");
}

function hexOption(parsed: ParsedArgs, name: string, len?: number): Uint8Array | undefined {
  const text = parsed.values.get(name);
  if (text === undefined) return undefined;
  const clean = text.replace(/[\s:]/g, "");
  if (!/^([0-9a-fA-F]{2})*$/.test(clean)) throw new UsageError(`--${name} must be hex bytes`);
  const bytes = new Uint8Array(Buffer.from(clean, "hex"));
  if (len !== undefined && bytes.length !== len) throw new UsageError(`--${name} must be ${len} bytes, not ${bytes.length}`);
  return bytes;
}

function noPositionals(parsed: ParsedArgs): void {
  if (parsed.positionals.length > 0) throw new UsageError(`unexpected argument '${parsed.positionals[0]}'`);
}

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");

function duration(seconds: number): string {
  if (seconds < 120) return `${seconds.toFixed(0)} s`;
  if (seconds < 7200) return `${(seconds / 60).toFixed(0)} min`;
  if (seconds < 2 * 86400) return `${(seconds / 3600).toFixed(1)} h`;
  if (seconds < 2 * 31557600) return `${(seconds / 86400).toFixed(0)} days`;
  return `${(seconds / 31557600).toExponential(1)} years`;
}

/** Runs the modifier search in slices, yielding to the event loop between them so
 *  Ctrl-C and progress output work. Returns false when cancelled. */
async function search(core: Core, sec: number, progress: boolean, cancelled: () => boolean): Promise<boolean> {
  let chunk = 4096;
  const start = performance.now();
  let lastReport = start;
  const expected = 2 ** (16 * sec);
  for (;;) {
    const t0 = performance.now();
    if (cgaSearchStep(core, chunk)) break;
    const dt = performance.now() - t0;
    // aim at ~25 ms per slice
    if (dt < 10) chunk = Math.min(chunk * 2, 1 << 22);
    else if (dt > 50) chunk = Math.max(chunk >> 1, 256);
    await new Promise((r) => setImmediate(r));
    if (cancelled()) return false;
    const now = performance.now();
    if (progress && now - lastReport > 250) {
      lastReport = now;
      const n = cgaSearchAttempts(core);
      const rate = n / ((now - start) / 1000);
      process.stderr.write(`\rsearching Sec ${sec}: ${n.toExponential(2)} attempts at ${(rate / 1e6).toFixed(2)} M/s; ` +
        `a Sec ${sec} search takes ${duration(expected / rate)} on average (Ctrl-C cancels)   `);
    }
  }
  if (progress) process.stderr.write("\r\x1b[K");
  return true;
}

async function gen(args: string[]): Promise<number> {
  const parsed = parseArgs(args, { values: ["key", "prefix", "sec", "modifier", "collision-count", "ext"], flags: ["json"] });
  noPositionals(parsed);
  const keyPath = required(parsed, "key");
  const prefixText = required(parsed, "prefix");
  const sec = intOption(parsed, "sec", 1, 0, 7);
  const collisionCount = intOption(parsed, "collision-count", 0, 0, 2);
  const startModifier = hexOption(parsed, "modifier", 16);
  const ext = hexOption(parsed, "ext") ?? new Uint8Array(0);
  const prefix = parsePrefix(prefixText);
  if (typeof prefix === "string") throw new UsageError(`--prefix: ${prefix}`);
  if (prefix.length !== 64) throw new UsageError(`--prefix must be a /64 (CGA interface identifiers are 64 bits), not /${prefix.length}`);

  const key = loadPrivateKey(keyPath);
  const spki = spkiDer(key);
  const core = loadCore();
  const der = derCheck(core, spki);
  if (!der.ok) throw new InputError(`${keyPath}: public key rejected: ${der.reason}`);
  if (25 + spki.length + ext.length > 2048) throw new UsageError("public key and --ext exceed 2048 bytes of CGA Parameters");

  const modifier = startModifier ?? new Uint8Array(randomBytes(16));
  cgaSearchStart(core, { modifier, spki, sec, ext });
  let cancelled = false;
  const onInt = () => { cancelled = true; };
  process.on("SIGINT", onInt);
  const t0 = performance.now();
  let done: boolean;
  try {
    done = await search(core, sec, sec >= 2 && process.stderr.isTTY === true, () => cancelled);
  } finally {
    process.off("SIGINT", onInt);
  }
  const attempts = cgaSearchAttempts(core);
  if (!done) {
    process.stderr.write(`\r\x1b[Kcancelled after ${attempts} attempts; resume with --modifier ${hex(cgaSearchModifier(core))}\n`);
    return 130;
  }
  const ms = performance.now() - t0;
  const found = cgaSearchModifier(core);
  const { address, params } = cgaAddress(core, { modifier: found, prefix: prefix.address, spki, sec, collisionCount, ext });
  const check = cgaVerify(core, address, params, sec);
  if (!check.ok) throw new Error(`internal error: the formed CGA does not verify (${check.reason})`);
  if (parsed.flags.has("json")) {
    console.log(JSON.stringify({
      address: formatIPv6(address), prefix: prefix.text, sec, collisionCount,
      modifier: hex(found), params: hex(params), attempts, ms: Math.round(ms),
    }, null, 1));
  } else {
    console.log(`address   ${formatIPv6(address)}`);
    console.log(`modifier  ${hex(found)}`);
    console.log(`params    ${hex(params)}`);
    console.error(`Sec ${sec}, collision count ${collisionCount}, ${attempts} attempt${attempts === 1 ? "" : "s"} in ${ms.toFixed(0)} ms`);
  }
  return 0;
}

async function verify(args: string[]): Promise<number> {
  const parsed = parseArgs(args, { values: ["address", "params", "min-sec"], flags: ["json"] });
  noPositionals(parsed);
  const addrText = required(parsed, "address");
  const address = parseIPv6(addrText);
  if (!address) throw new UsageError(`--address: '${addrText}' is not an IPv6 address`);
  const params = hexOption(parsed, "params");
  if (!params) throw new UsageError("--params is required");
  const minSec = intOption(parsed, "min-sec", 0, 0, 7);
  const core = loadCore();
  const v = cgaVerify(core, address, params, minSec);
  if (parsed.flags.has("json")) {
    console.log(JSON.stringify({ valid: v.ok, status: v.status, reason: v.reason, sec: v.sec, keyBits: v.key?.bits ?? null }));
  } else if (v.ok) {
    console.log(`valid: Sec ${v.sec}, RSA-${v.key?.bits} key`);
  } else {
    console.log(`invalid: ${v.reason}`);
  }
  return v.ok ? 0 : 1;
}
