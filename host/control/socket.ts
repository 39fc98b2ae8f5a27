// The local control socket both daemons serve (the DAR daemon, host/dar/daemon.ts, and the MN
// agent, host/mn/control.ts): a Unix stream socket, mode 0600 (root only: the status names
// bindings), one JSON object per line in each direction. Each daemon's handler answers its own
// requests ({"cmd":"status"}, {"cmd":"ping"}, ...); every response is one line, `{"error":"..."}`
// for a request that cannot be answered. `queryDaemon` is the client (`fama status`, `fama mn`).
import { createServer, createConnection, type Server, type Socket } from "node:net";
import { chmodSync, existsSync, mkdirSync, unlinkSync } from "node:fs";
import { dirname } from "node:path";
import type { Logger } from "../log.js";

export type Handler = (request: Record<string, unknown>) => unknown | Promise<unknown>;

/** sun_path holds 108 bytes including the terminating NUL. */
export const MAX_SOCKET_PATH = 107;
const MAX_REQUEST = 64 * 1024;

export class ControlServer {
  private server: Server | null = null;
  private readonly clients = new Set<Socket>();

  constructor(readonly path: string, private readonly handler: Handler, private readonly log: Logger) {}

  /** Listens; removes a stale socket file first, refuses if another process answers on it. */
  async listen(): Promise<void> {
    if (Buffer.byteLength(this.path) > MAX_SOCKET_PATH) throw new Error(`socket path longer than ${MAX_SOCKET_PATH} bytes: ${this.path}`);
    mkdirSync(dirname(this.path), { recursive: true, mode: 0o755 });
    if (existsSync(this.path)) {
      if (await answers(this.path)) throw new Error(`another daemon is listening on ${this.path}`);
      unlinkSync(this.path);
    }
    const server = createServer((sock) => this.serve(sock));
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      // The socket is created with the process umask: tighten it before anyone can connect
      // usefully (listen → chmod; root owns it, so others could not connect in between anyway
      // unless the umask was open: keep the window minimal).
      server.listen(this.path, () => { server.off("error", reject); resolve(); });
    });
    chmodSync(this.path, 0o600);
    server.on("error", (e) => this.log.error("control.error", { error: e }));
    this.server = server;
    this.log.info("control.listening", { socket: this.path });
  }

  private serve(sock: Socket): void {
    this.clients.add(sock);
    sock.setEncoding("utf8");
    let buf = "";
    let chain = Promise.resolve();
    sock.on("data", (d: string) => {
      buf += d;
      if (buf.length > MAX_REQUEST && !buf.includes("\n")) {
        sock.end(JSON.stringify({ error: "request too long" }) + "\n");
        return;
      }
      let nl: number;
      while ((nl = buf.indexOf("\n")) >= 0) {
        const line = buf.slice(0, nl).trim();
        buf = buf.slice(nl + 1);
        if (!line) continue;
        chain = chain.then(() => this.answer(line)).then((out) => { if (!sock.destroyed) sock.write(out + "\n"); });
      }
    });
    sock.on("error", () => { /* client went away */ });
    sock.on("close", () => this.clients.delete(sock));
  }

  private async answer(line: string): Promise<string> {
    let req: unknown;
    try { req = JSON.parse(line); } catch { return JSON.stringify({ error: "request is not JSON" }); }
    if (typeof req !== "object" || req === null || Array.isArray(req)) return JSON.stringify({ error: "request must be a JSON object" });
    try {
      return JSON.stringify(await this.handler(req as Record<string, unknown>), (_k, v: unknown) => (typeof v === "bigint" ? Number(v) : v));
    } catch (e) {
      return JSON.stringify({ error: (e as Error).message });
    }
  }

  async close(): Promise<void> {
    const server = this.server;
    this.server = null;
    if (!server) return;
    for (const c of this.clients) c.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    try { unlinkSync(this.path); } catch { /* already gone */ }
  }
}

/** True if something accepts a connection on `path`. */
function answers(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createConnection(path);
    s.once("connect", () => { s.destroy(); resolve(true); });
    s.once("error", () => resolve(false));
  });
}

export class NoDaemonError extends Error {}

/** Sends one request line to the daemon at `path`, resolves with its one-line JSON answer. */
export function queryDaemon(path: string, request: Record<string, unknown>, timeoutMs = 3000): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const s = createConnection(path);
    let buf = "";
    let settled = false;
    const done = (f: () => void) => { if (!settled) { settled = true; clearTimeout(timer); s.destroy(); f(); } };
    const timer = setTimeout(() => done(() => reject(new NoDaemonError(`no answer from ${path} within ${timeoutMs} ms`))), timeoutMs);
    s.setEncoding("utf8");
    s.once("connect", () => s.write(JSON.stringify(request) + "\n"));
    s.on("data", (d: string) => {
      buf += d;
      const nl = buf.indexOf("\n");
      if (nl < 0) return;
      done(() => {
        try {
          const v = JSON.parse(buf.slice(0, nl)) as unknown;
          if (typeof v !== "object" || v === null || Array.isArray(v)) reject(new Error(`${path} answered something that is not a JSON object`));
          else resolve(v as Record<string, unknown>);
        } catch { reject(new Error(`${path} answered something that is not JSON`)); }
      });
    });
    s.once("error", (e: NodeJS.ErrnoException) => done(() => reject(new NoDaemonError(`no daemon answers on ${path} (${e.code ?? e.message})`))));
    s.once("end", () => done(() => reject(new NoDaemonError(`${path} closed the connection without an answer`))));
  });
}
