// The tar archives of an .ipk, written the way OpenWrt's scripts/ipkg-build writes them with
// GNU tar (--format=gnu --numeric-owner --sort=name --mtime=FIXED, then `gzip -n`): entries
// named `./path`, owner and group 0, one fixed mtime, sorted, gzip without a name or a time.
// So the same inputs give the same bytes. Also a reader for the npm tarballs koffi's
// platform packages come in.
import { gzipSync, gunzipSync, constants } from "node:zlib";

export interface TarEntry {
  /** Path inside the archive without the leading "./"; directories end without "/". */
  path: string;
  type: "file" | "dir";
  mode: number;
  data?: Uint8Array;
}

const BLOCK = 512;
// ustar's name field; longer paths would need GNU long-name records, which nothing here needs.
const MAX_NAME = 100;

function octal(value: number, width: number): string {
  return value.toString(8).padStart(width - 1, "0") + "\0";
}

function header(name: string, e: TarEntry, size: number, mtime: number): Buffer {
  const h = Buffer.alloc(BLOCK);
  if (Buffer.byteLength(name) > MAX_NAME) throw new Error(`tar: path longer than ${MAX_NAME} bytes: ${name}`);
  h.write(name, 0, "utf8");
  h.write(octal(e.mode, 8), 100, "ascii");
  h.write(octal(0, 8), 108, "ascii");
  h.write(octal(0, 8), 116, "ascii");
  h.write(octal(size, 12), 124, "ascii");
  h.write(octal(mtime, 12), 136, "ascii");
  h.write(" ".repeat(8), 148, "ascii");
  h.write(e.type === "dir" ? "5" : "0", 156, "ascii");
  // GNU tar's --format=gnu magic ("ustar  \0"), as ipkg-build's archives carry
  h.write("ustar  \0", 257, "ascii");
  let sum = 0;
  for (const b of h) sum += b;
  h.write(octal(sum, 7) + " ", 148, "ascii");
  return h;
}

/** A tar of `entries` ending in two zero blocks, in GNU tar's --sort=name order (each
 *  directory's entries by name, a directory's contents right after it), "./" first if `root`. */
export function tar(entries: TarEntry[], mtime: number, opts: { root?: boolean } = {}): Buffer {
  const key = (e: TarEntry) => e.path.replaceAll("/", "\0");
  const sorted = [...entries].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
  const parts: Buffer[] = [];
  if (opts.root) parts.push(header("./", { path: "", type: "dir", mode: 0o755 }, 0, mtime));
  for (const e of sorted) parts.push(...member(e, mtime));
  parts.push(Buffer.alloc(BLOCK * 2));
  return Buffer.concat(parts);
}

/** A tar whose members keep the given order (the outer .ipk: debian-binary, data, control). */
export function tarInOrder(entries: TarEntry[], mtime: number): Buffer {
  return Buffer.concat([...entries.flatMap((e) => member(e, mtime)), Buffer.alloc(BLOCK * 2)]);
}

function member(e: TarEntry, mtime: number): Buffer[] {
  const name = `./${e.path}${e.type === "dir" ? "/" : ""}`;
  const data = e.type === "file" ? Buffer.from(e.data ?? new Uint8Array()) : Buffer.alloc(0);
  const pad = (BLOCK - (data.length % BLOCK)) % BLOCK;
  return [header(name, e, data.length, mtime), data, Buffer.alloc(pad)];
}

/** gzip with no file name and mtime 0 (node's zlib writes neither), at the best compression. */
export function gzip(data: Uint8Array): Buffer {
  return gzipSync(data, { level: constants.Z_BEST_COMPRESSION });
}

/** The regular files of a (gzip'd) tar, by path without a leading "./" or "package/". */
export function readTarGz(tgz: Uint8Array, strip = ""): Map<string, { mode: number; data: Buffer }> {
  const buf = gunzipSync(tgz);
  const files = new Map<string, { mode: number; data: Buffer }>();
  for (let off = 0; off + BLOCK <= buf.length;) {
    const h = buf.subarray(off, off + BLOCK);
    if (h.every((b) => b === 0)) break;
    const field = (start: number, len: number) => h.subarray(start, start + len).toString("utf8").replace(/\0.*$/s, "");
    const size = parseInt(field(124, 12).trim() || "0", 8);
    const type = field(156, 1) || "0";
    const prefix = field(345, 155);
    let path = (prefix && field(257, 6) === "ustar" ? `${prefix}/` : "") + field(0, 100);
    path = path.replace(/^\.\//, "");
    if (strip && path.startsWith(strip)) path = path.slice(strip.length);
    if (!Number.isFinite(size) || size < 0 || off + BLOCK + size > buf.length) throw new Error(`tar: bad size for ${path}`);
    if (type === "0") files.set(path, { mode: parseInt(field(100, 8).trim(), 8), data: Buffer.from(buf.subarray(off + BLOCK, off + BLOCK + size)) });
    else if (type !== "5") throw new Error(`tar: unsupported entry type '${type}' for ${path}`);
    off += BLOCK + Math.ceil(size / BLOCK) * BLOCK;
  }
  return files;
}
