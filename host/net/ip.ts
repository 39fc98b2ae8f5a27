// The only place that runs `ip` (and `sysctl`, through `ip netns exec`). Every call is an
// argument array handed to execFile: no shell, so no quoting bugs and no injection.
//
// Functions take an optional namespace `ns`; `ip -n NS ...` runs the command inside it. Without
// one they act on the namespace this process lives in (the daemons run inside their namespace
// through `ip netns exec NS node ...`, so they pass none).
//
// Everything a caller creates can be registered in a `NetScope`, which undoes it in reverse
// order, even when a later step throws, and (through `installSignalCleanup`) on SIGINT/SIGTERM
// and on a plain process exit.
import { execFile, execFileSync, spawn, type ChildProcess, type SpawnOptions } from "node:child_process";

/** An `ip` (or other) command that failed: carries the command line and its stderr. */
export class CommandError extends Error {
  constructor(
    readonly argv: readonly string[],
    readonly code: number | string | null,
    readonly stderr: string,
  ) {
    super(`command failed (${code}): ${argv.join(" ")}${stderr ? `: ${stderr.trim()}` : ""}`);
    this.name = "CommandError";
  }
}

export interface RunResult { stdout: string; stderr: string }

/** Runs a program with an argument array (no shell). Rejects with CommandError. */
export function run(file: string, args: readonly string[], opts: { input?: string; timeoutMs?: number } = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = execFile(file, args as string[], { encoding: "utf8", timeout: opts.timeoutMs ?? 20_000, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      if (err) {
        const code = (err as NodeJS.ErrnoException & { code?: number | string }).code ?? null;
        reject(new CommandError([file, ...args], code, stderr || err.message));
      } else resolve({ stdout, stderr });
    });
    if (opts.input !== undefined) child.stdin?.end(opts.input);
  });
}

/** `ip [-n ns] args...` */
export function ip(args: readonly string[], ns?: string): Promise<RunResult> {
  return run("ip", ns ? ["-n", ns, ...args] : [...args]);
}

/** Runs many `ip` commands in one process (`ip -batch -`); stops at the first failure. Lines take
 *  no options (no `-6`): the family follows from the addresses, so write `::/0`, not `default`.
 *  `timeoutMs` (default 20 s) kills an `ip` that takes longer. */
export async function ipBatch(lines: readonly (readonly string[])[], ns?: string, opts: { timeoutMs?: number } = {}): Promise<void> {
  if (lines.length === 0) return;
  for (const l of lines) if (l[0]?.startsWith("-")) throw new Error(`ip batch lines take no options: ${l.join(" ")}`);
  for (const l of lines) for (const a of l) if (/[\s"'\\#]/.test(a) || a === "") throw new Error(`ip batch argument not allowed: ${JSON.stringify(a)}`);
  const input = lines.map((l) => l.join(" ")).join("\n") + "\n";
  await run("ip", ns ? ["-n", ns, "-batch", "-"] : ["-batch", "-"], { input, timeoutMs: opts.timeoutMs });
}

// ---------------------------------------------------------------------------------------------
// Namespaces

export async function netnsAdd(ns: string): Promise<void> { await ip(["netns", "add", ns]); }
export async function netnsDel(ns: string): Promise<void> { await ip(["netns", "del", ns]); }
export async function netnsList(): Promise<string[]> {
  const { stdout } = await ip(["netns", "list"]);
  return stdout.split("\n").map((l) => l.trim().split(/\s+/)[0]).filter((n): n is string => !!n);
}
/** Runs a program inside a namespace and waits for it. */
export function netnsExec(ns: string, file: string, args: readonly string[], opts: { input?: string; timeoutMs?: number } = {}): Promise<RunResult> {
  return run("ip", ["netns", "exec", ns, file, ...args], opts);
}
/** Starts a long-running program inside a namespace (the caller (or a scope) kills it). */
export function netnsSpawn(ns: string, file: string, args: readonly string[], opts: SpawnOptions = {}): ChildProcess {
  return spawn("ip", ["netns", "exec", ns, file, ...args], { stdio: ["ignore", "pipe", "pipe"], ...opts });
}

// ---------------------------------------------------------------------------------------------
// Sysctls (through `ip netns exec` when a namespace is given)

export async function sysctl(key: string, value: string | number, ns?: string): Promise<void> {
  const args = ["-q", "-w", `${key}=${value}`];
  await (ns ? netnsExec(ns, "sysctl", args) : run("sysctl", args));
}
export async function sysctls(settings: Record<string, string | number>, ns?: string): Promise<void> {
  const args = ["-q", "-w", ...Object.entries(settings).map(([k, v]) => `${k}=${v}`)];
  await (ns ? netnsExec(ns, "sysctl", args) : run("sysctl", args));
}
/** No DAD anywhere (links created or moved in later inherit `default`), IPv6 on. */
export async function ipv6Defaults(ns?: string, opts: { forwarding?: boolean } = {}): Promise<void> {
  const s: Record<string, number> = {
    "net.ipv6.conf.all.disable_ipv6": 0,
    "net.ipv6.conf.default.disable_ipv6": 0,
    "net.ipv6.conf.all.accept_dad": 0,
    "net.ipv6.conf.default.accept_dad": 0,
    "net.ipv6.conf.all.dad_transmits": 0,
    "net.ipv6.conf.default.dad_transmits": 0,
  };
  if (opts.forwarding !== undefined) s["net.ipv6.conf.all.forwarding"] = opts.forwarding ? 1 : 0;
  await sysctls(s, ns);
}

// ---------------------------------------------------------------------------------------------
// Links

export async function vethAdd(a: string, b: string, opts: { nsA?: string; nsB?: string } = {}): Promise<void> {
  const args = ["link", "add", a];
  if (opts.nsA) args.push("netns", opts.nsA);
  args.push("type", "veth", "peer", "name", b);
  if (opts.nsB) args.push("netns", opts.nsB);
  await ip(args);
}
export async function linkDel(dev: string, ns?: string): Promise<void> { await ip(["link", "del", "dev", dev], ns); }
export async function linkExists(dev: string, ns?: string): Promise<boolean> {
  try { await ip(["link", "show", "dev", dev], ns); return true; } catch { return false; }
}
export interface LinkSettings { up?: boolean; mtu?: number; txqueuelen?: number }
export async function linkSet(dev: string, s: LinkSettings, ns?: string): Promise<void> {
  const args = ["link", "set", "dev", dev];
  if (s.mtu !== undefined) args.push("mtu", String(s.mtu));
  if (s.txqueuelen !== undefined) args.push("txqueuelen", String(s.txqueuelen));
  if (s.up !== undefined) args.push(s.up ? "up" : "down");
  await ip(args, ns);
}
export async function linkUp(dev: string, ns?: string): Promise<void> { await linkSet(dev, { up: true }, ns); }
export async function linkDown(dev: string, ns?: string): Promise<void> { await linkSet(dev, { up: false }, ns); }
/** Moves a link from namespace `fromNs` (or ours) into `toNs`. The kernel takes it down and
 *  flushes its addresses on the way. */
export async function linkSetNetns(dev: string, toNs: string, fromNs?: string): Promise<void> {
  await ip(["link", "set", "dev", dev, "netns", toNs], fromNs);
}
/** Names of the links in a namespace. */
export async function linkNames(ns?: string): Promise<string[]> {
  const { stdout } = await ip(["-o", "link", "show"], ns);
  return stdout.split("\n").flatMap((l) => {
    const m = /^\d+:\s+([^:@\s]+)/.exec(l);
    return m ? [m[1]!] : [];
  });
}
/** The interface index of `dev` (in `ns`). */
export async function linkIndex(dev: string, ns?: string): Promise<number> {
  const { stdout } = await ip(["-o", "link", "show", "dev", dev], ns);
  const index = /^(\d+):/.exec(stdout);
  if (!index) throw new Error(`no interface index for ${dev} in: ${stdout.trim()}`);
  return Number(index[1]);
}

export async function linkOperState(dev: string, ns?: string): Promise<string> {
  const { stdout } = await ip(["-j", "link", "show", "dev", dev], ns);
  const [info] = JSON.parse(stdout) as { operstate: string }[];
  return info?.operstate ?? "UNKNOWN";
}

// ---------------------------------------------------------------------------------------------
// Addresses (IPv6, always nodad: the lab has no duplicate addresses and cannot wait 2 s)

export async function addrAdd(dev: string, cidr: string, ns?: string): Promise<void> {
  await ip(["-6", "addr", "add", cidr, "dev", dev, "nodad"], ns);
}
export async function addrReplace(dev: string, cidr: string, ns?: string): Promise<void> {
  await ip(["-6", "addr", "replace", cidr, "dev", dev, "nodad"], ns);
}
export async function addrDel(dev: string, cidr: string, ns?: string): Promise<void> {
  await ip(["-6", "addr", "del", cidr, "dev", dev], ns);
}

// ---------------------------------------------------------------------------------------------
// Routes

export async function routeShow(args: readonly string[] = [], ns?: string): Promise<string> {
  return (await ip(["-6", "route", "show", ...args], ns)).stdout;
}

// ---------------------------------------------------------------------------------------------
// Cleanup: a scope of undo actions, run in reverse order

type Undo = { label: string; fn: () => Promise<unknown>; syncFallback?: () => void };

/**
 * Records how to undo each thing as it is created. `close()` runs the undo actions newest first,
 * keeps going past failures and reports them together. Namespaces get a synchronous fallback so
 * that even a process that exits without awaiting `close()` removes them (`process.on("exit")`).
 */
export class NetScope {
  private undo: Undo[] = [];
  private closed = false;
  constructor(readonly label = "fama") { live.add(this); }

  /** Registers an arbitrary undo action. */
  defer(label: string, fn: () => Promise<unknown> | unknown, syncFallback?: () => void): void {
    if (this.closed) throw new Error(`scope ${this.label} already closed`);
    this.undo.push({ label, fn: async () => fn(), syncFallback });
  }
  /** Creates a namespace and registers its deletion (which also removes every link inside it). */
  async netns(ns: string): Promise<string> {
    await netnsAdd(ns);
    this.defer(`netns ${ns}`, () => netnsDelIfExists(ns), () => { try { execFileSync("ip", ["netns", "del", ns], { stdio: "ignore" }); } catch { /* gone */ } });
    return ns;
  }
  /** Creates a veth pair and registers deleting end `a` (which deletes both ends). */
  async veth(a: string, b: string, opts: { nsA?: string; nsB?: string } = {}): Promise<void> {
    await vethAdd(a, b, opts);
    this.defer(`veth ${a}`, async () => { if (await linkExists(a, opts.nsA)) await linkDel(a, opts.nsA); });
  }
  /** Starts a process in a namespace; killed on close. */
  spawn(ns: string, file: string, args: readonly string[], opts: SpawnOptions = {}): ChildProcess {
    const child = netnsSpawn(ns, file, args, opts);
    const kill = () => { if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL"); };
    this.defer(`process ${file}`, async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const done = new Promise((r) => child.once("exit", r));
      kill();
      await done;
    }, kill);
    return child;
  }
  /** Undoes everything, newest first. Throws an AggregateError if some undo actions failed. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const errors: Error[] = [];
    while (this.undo.length) {
      const u = this.undo.pop()!;
      try { await u.fn(); } catch (e) { errors.push(new Error(`cleanup ${u.label}: ${(e as Error).message}`)); }
    }
    live.delete(this);
    if (errors.length) throw new AggregateError(errors, `${this.label}: ${errors.length} cleanup step(s) failed`);
  }
  /** Best-effort synchronous cleanup for process exit (only what has a sync fallback). */
  closeSync(): void {
    if (this.closed) return;
    this.closed = true;
    while (this.undo.length) { try { this.undo.pop()!.syncFallback?.(); } catch { /* best effort */ } }
    live.delete(this);
  }
}

export async function netnsDelIfExists(ns: string): Promise<boolean> {
  try { await netnsDel(ns); return true; } catch (e) {
    if (e instanceof CommandError && /No such file|not exist|Invalid/i.test(e.stderr)) return false;
    throw e;
  }
}

const live = new Set<NetScope>();
let exitHookInstalled = false;
let signalHookInstalled = false;

/** Scopes still open (not yet closed). */
export function openScopes(): readonly NetScope[] { return [...live]; }

// A plain exit (including an uncaught exception) still removes every namespace created through a
// scope: only synchronous work can run in an "exit" handler.
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on("exit", () => { for (const s of [...live]) s.closeSync(); });
}
installExitHook();

/**
 * On SIGINT/SIGTERM: close every open scope (asynchronously, in order), then exit with 128+signal.
 * For CLIs and daemons; a library does not call it. `extra` runs first (e.g. stopping loops).
 */
export function installSignalCleanup(extra?: () => Promise<void> | void): void {
  if (signalHookInstalled) return;
  signalHookInstalled = true;
  const handler = (sig: NodeJS.Signals, code: number) => {
    void (async () => {
      try { await extra?.(); } catch { /* keep cleaning */ }
      for (const s of [...live].reverse()) { try { await s.close(); } catch (e) { process.stderr.write(`${(e as Error).message}\n`); } }
      process.exit(128 + code);
    })();
  };
  process.once("SIGINT", (s) => handler(s, 2));
  process.once("SIGTERM", (s) => handler(s, 15));
}

/** Removes namespaces and links (in our namespace) whose names start with `prefix`: leftovers of
 *  a crashed run. Returns what it removed. */
export async function sweepStale(prefix: string): Promise<string[]> {
  if (prefix.length < 3) throw new Error(`sweep prefix too short: ${JSON.stringify(prefix)}`);
  const removed: string[] = [];
  for (const ns of await netnsList()) {
    if (ns.startsWith(prefix) && (await netnsDelIfExists(ns))) removed.push(`netns ${ns}`);
  }
  for (const dev of await linkNames()) {
    if (dev.startsWith(prefix) && (await linkExists(dev))) {
      try { await linkDel(dev); removed.push(`link ${dev}`); } catch { /* a peer already took it */ }
    }
  }
  return removed;
}
