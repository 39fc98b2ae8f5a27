// fama keygen: a new RSA key pair for a mobile node, written as a PKCS#8 PEM file
// readable by its owner only.
import { writeFileSync, existsSync, linkSync, renameSync, unlinkSync } from "node:fs";
import { dirname, join, basename } from "node:path";
import { parseArgs, required, intOption } from "../args.js";
import { UsageError, InputError } from "../errors.js";
import { generateKeyPem, MIN_BITS, MAX_BITS } from "../keys.js";

export const usage = "keygen --bits 2048 --out mn.pem [--force]  new MN RSA key (PKCS#8 PEM, mode 0600)";

export async function run(args: string[]): Promise<number> {
  const parsed = parseArgs(args, { values: ["bits", "out"], flags: ["force"] });
  if (parsed.positionals.length > 0) throw new UsageError(`unexpected argument '${parsed.positionals[0]}'`);
  const bits = intOption(parsed, "bits", 2048, MIN_BITS, MAX_BITS);
  const out = required(parsed, "out");
  const force = parsed.flags.has("force");
  if (!force && existsSync(out)) throw new InputError(`${out} exists (use --force to overwrite it)`);
  const pem = generateKeyPem(bits);
  // Written to a private temporary file (mode 0600 from creation), then moved into
  // place: never a moment where the key is readable by others or half written.
  const tmp = join(dirname(out), `.${basename(out)}.${process.pid}.tmp`);
  try {
    writeFileSync(tmp, pem, { mode: 0o600, flag: "wx" });
    if (force) renameSync(tmp, out);
    else { linkSync(tmp, out); unlinkSync(tmp); } // link fails if out appeared meanwhile
  } catch (err) {
    try { unlinkSync(tmp); } catch { /* not created */ }
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "EEXIST") throw new InputError(`${out} exists (use --force to overwrite it)`);
    throw new InputError(`${out}: cannot write (${code ?? String(err)})`);
  }
  console.log(`wrote a ${bits}-bit RSA key to ${out}`);
  return 0;
}
