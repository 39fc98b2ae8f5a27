// The simulator's SVG plots render in a browser: headless Chromium screenshots the path
// stretch CDF of a small run, and the PNG (decoded here: zlib inflate and the five PNG
// filters) must show the plot: enough non-white pixels and both schemes' line colours.
// A blank SVG through the same steps shows none, so the check can fail.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { inflateSync } from "node:zlib";
import { simulate } from "../../host/sim/run.js";
import { scenario } from "../../host/sim/scenario.js";
import { runPlots, writePlots } from "../../host/sim/plots.js";

function findChromium(): string | null {
  for (const name of ["chromium", "chromium-browser"]) {
    try { return execFileSync("which", [name], { encoding: "utf8" }).trim() || null; } catch { /* next */ }
  }
  return null;
}
const CHROMIUM = findChromium();

interface Image { width: number; height: number; rgb: (x: number, y: number) => [number, number, number] }

/** A PNG of 8-bit RGB or RGBA, non-interlaced (what Chromium writes). */
function decodePng(buf: Buffer): Image {
  assert.equal(buf.subarray(0, 8).toString("hex"), "89504e470d0a1a0a", "PNG signature");
  let off = 8, width = 0, height = 0, depth = 0, colour = 0, interlace = 0;
  const idat: Buffer[] = [];
  while (off < buf.length) {
    const len = buf.readUInt32BE(off);
    const type = buf.subarray(off + 4, off + 8).toString("latin1");
    const data = buf.subarray(off + 8, off + 8 + len);
    if (type === "IHDR") { width = data.readUInt32BE(0); height = data.readUInt32BE(4); depth = data[8]!; colour = data[9]!; interlace = data[12]!; }
    if (type === "IDAT") idat.push(data);
    off += 12 + len;
  }
  assert.equal(depth, 8);
  assert.ok(colour === 2 || colour === 6, `colour type ${colour}`);
  assert.equal(interlace, 0);
  const bpp = colour === 6 ? 4 : 3;
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * bpp;
  const px = Buffer.alloc(height * stride);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)]!;
    const line = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    for (let i = 0; i < stride; i++) {
      const a = i >= bpp ? px[y * stride + i - bpp]! : 0;
      const b = y > 0 ? px[(y - 1) * stride + i]! : 0;
      const c = i >= bpp && y > 0 ? px[(y - 1) * stride + i - bpp]! : 0;
      const p = a + b - c, pa = Math.abs(p - a), pb = Math.abs(p - b), pc = Math.abs(p - c);
      const pred = [0, a, b, (a + b) >> 1, pa <= pb && pa <= pc ? a : pb <= pc ? b : c][filter];
      assert.ok(pred !== undefined, `PNG filter ${filter}`);
      px[y * stride + i] = (line[i]! + pred!) & 0xff;
    }
  }
  return { width, height, rgb: (x, y) => [px[y * stride + x * bpp]!, px[y * stride + x * bpp + 1]!, px[y * stride + x * bpp + 2]!] };
}

function screenshot(svg: string, png: string, w: number, h: number): Image {
  const args = ["--headless", "--disable-gpu", "--hide-scrollbars", `--screenshot=${png}`, `--window-size=${w},${h}`, `file://${svg}`];
  if (process.getuid?.() === 0) args.unshift("--no-sandbox");
  execFileSync(CHROMIUM!, args, { stdio: "ignore", timeout: 60_000 });
  return decodePng(readFileSync(png));
}

function census(img: Image): { nonWhite: number; fama: number; central: number } {
  let nonWhite = 0, fama = 0, central = 0;
  const near = (p: number[], q: number[]) => Math.abs(p[0]! - q[0]!) + Math.abs(p[1]! - q[1]!) + Math.abs(p[2]! - q[2]!) < 40;
  for (let y = 0; y < img.height; y++) {
    for (let x = 0; x < img.width; x++) {
      const p = img.rgb(x, y);
      if (p[0] < 240 || p[1] < 240 || p[2] < 240) nonWhite++;
      if (near(p, [0x1f, 0x77, 0xb4])) fama++;
      if (near(p, [0xd6, 0x27, 0x28])) central++;
    }
  }
  return { nonWhite, fama, central };
}

test("the path stretch CDF renders in headless Chromium (not blank, both schemes drawn)", { skip: !CHROMIUM && "needs chromium (CI installs it)", timeout: 180_000 }, (t) => {
  const dir = mkdtempSync(join(tmpdir(), "fama-sim-svg-"));
  try {
    const sim = simulate(scenario({ mns: 30, dars: 16, durationS: 60, keyBits: 1024, keys: 2, residenceS: 20 }));
    writePlots(dir, runPlots(sim));
    const img = screenshot(join(dir, "stretch-cdf.svg"), join(dir, "cdf.png"), 720, 420);
    assert.deepEqual([img.width, img.height], [720, 420]);
    const c = census(img);
    t.diagnostic(`non-white pixels ${c.nonWhite} of ${720 * 420}; FAMA blue ${c.fama}, centralized red ${c.central}`);
    assert.ok(c.nonWhite > 0.01 * 720 * 420, `non-white pixels: ${c.nonWhite}`);
    assert.ok(c.fama > 200 && c.central > 200, `line colours: ${JSON.stringify(c)}`);

    writeFileSync(join(dir, "blank.svg"), '<svg xmlns="http://www.w3.org/2000/svg" width="720" height="420"><rect width="100%" height="100%" fill="white"/></svg>');
    const blank = census(screenshot(join(dir, "blank.svg"), join(dir, "blank.png"), 720, 420));
    assert.deepEqual(blank, { nonWhite: 0, fama: 0, central: 0 }, "a blank SVG is seen as blank");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
