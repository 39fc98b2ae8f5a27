// The OpenWrt package architectures fama is built for, and the koffi build each one needs.
// Only these have both a node 20 package in OpenWrt 24.10 (lang/node: x86_64, aarch64, arm with
// an FPU, i386) and a musl build of koffi 3.3.4: @koromix/koffi-linux-arm and -ia32 ship glibc
// builds only (linux_armhf, linux_ia32), so 32-bit ARM and i386 routers are out (docs/OPENWRT.md).
export interface Arch {
  /** OpenWrt's package architecture (control `Architecture`, the .ipk name). */
  name: string;
  /** koffi's platform package (@koromix/koffi-<pkg>). */
  koffiPackage: string;
  /** The directory of its musl build inside that package. */
  koffiMuslDir: string;
  /** ELF e_machine of that build (62 x86-64, 183 AArch64). */
  elfMachine: number;
}

const X86_64 = { koffiPackage: "linux-x64", koffiMuslDir: "musl_x64", elfMachine: 62 };
const AARCH64 = { koffiPackage: "linux-arm64", koffiMuslDir: "musl_arm64", elfMachine: 183 };

/** Every aarch64 package architecture of OpenWrt 24.10 gets the same files (one koffi build). */
export const ARCHES: Arch[] = [
  { name: "x86_64", ...X86_64 },
  { name: "aarch64_generic", ...AARCH64 },
  { name: "aarch64_cortex-a53", ...AARCH64 },
  { name: "aarch64_cortex-a72", ...AARCH64 },
  { name: "aarch64_cortex-a76", ...AARCH64 },
];

/** What `npm run package` builds when no architecture is named. */
export const DEFAULT_ARCHES = ["x86_64", "aarch64_generic"];

export function archNamed(name: string): Arch {
  const a = ARCHES.find((x) => x.name === name);
  if (!a) throw new Error(`unknown architecture '${name}' (supported: ${ARCHES.map((x) => x.name).join(", ")})`);
  return a;
}
