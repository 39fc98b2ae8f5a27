// One .ipk as OpenWrt's scripts/ipkg-build makes it: a gzip'd tar of ./debian-binary ("2.0"),
// ./data.tar.gz and ./control.tar.gz, in that order. control.tar.gz holds control, conffiles,
// postinst and prerm (OpenWrt's default scripts: run uci-defaults, enable/disable the service).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { REPO_ROOT } from "../paths.js";
import type { Arch } from "./arches.js";
import { dataEntries, repoPackage } from "./contents.js";
import { tar, tarInOrder, gzip } from "./tar.js";

/** The package release (OpenWrt's PKG_RELEASE): raise it when only the packaging changes. */
export const PKG_RELEASE = 1;
export const DEPENDS = ["libc", "libstdcpp6", "node", "kmod-tun", "ip-full", "tc", "kmod-sched-core"];
export const CONFFILES = ["/etc/config/fama"];

export interface Ipk { fileName: string; bytes: Buffer; dataBytes: number; installedSize: number }

export function ipkVersion(): string {
  return `${repoPackage().version}-r${PKG_RELEASE}`;
}

export function controlText(arch: Arch, installedSize: number): string {
  const pkg = repoPackage();
  return [
    `Package: ${pkg.name}`,
    `Version: ${ipkVersion()}`,
    `Depends: ${DEPENDS.join(", ")}`,
    `License: ${pkg.license}`,
    "Section: net",
    `Architecture: ${arch.name}`,
    `Installed-Size: ${installedSize}`,
    `Description:  ${pkg.description}.`,
    "  Runs the DAR daemon (fama dar) under procd, configured in /etc/config/fama (docs/OPENWRT.md).",
    "",
  ].join("\n");
}

export function buildIpk(arch: Arch, mtime: number): Ipk {
  const pkg = repoPackage();
  const dataTar = tar(dataEntries(arch), mtime, { root: true });
  const data = gzip(dataTar);
  const script = (name: string) => readFileSync(join(REPO_ROOT, "openwrt", "fama", "files", name));
  const control = gzip(tar([
    { path: "control", type: "file", mode: 0o644, data: Buffer.from(controlText(arch, dataTar.length)) },
    { path: "conffiles", type: "file", mode: 0o644, data: Buffer.from(CONFFILES.join("\n") + "\n") },
    { path: "postinst", type: "file", mode: 0o755, data: script("postinst") },
    { path: "prerm", type: "file", mode: 0o755, data: script("prerm") },
  ], mtime, { root: true }));
  const outer = tarInOrder([
    { path: "debian-binary", type: "file", mode: 0o644, data: Buffer.from("2.0\n") },
    { path: "data.tar.gz", type: "file", mode: 0o644, data },
    { path: "control.tar.gz", type: "file", mode: 0o644, data: control },
  ], mtime);
  return { fileName: `${pkg.name}_${ipkVersion()}_${arch.name}.ipk`, bytes: gzip(outer), dataBytes: data.length, installedSize: dataTar.length };
}
