/**
 * Request/reply over the child_process IPC channel, with a deadline on every call.
 * The parent side is `ChildHandle` (fork a TypeScript module through tsx); the child side
 * is `serveIpc(handlers)`.
 */
import { fork, type ChildProcess } from "node:child_process";

interface IpcRequest {
  kind: "req";
  id: number;
  type: string;
  payload: unknown;
}
interface IpcReply {
  kind: "rep";
  id: number;
  ok: boolean;
  result?: unknown;
  error?: string;
}
interface IpcEvent {
  kind: "evt";
  event: string;
  data: unknown;
}
type IpcMessage = IpcRequest | IpcReply | IpcEvent;

function isIpcMessage(m: unknown): m is IpcMessage {
  return typeof m === "object" && m !== null && "kind" in m;
}

export interface ForkOptions {
  name: string;
  args?: string[];
  /** Extra node flags, e.g. ["--expose-gc"]. */
  nodeFlags?: string[];
  env?: NodeJS.ProcessEnv;
  readyTimeoutMs?: number;
  /** The module is plain JavaScript (compiled.ts): run without tsx. */
  plain?: boolean;
}

const TAIL_LINES = 40;

export class ChildHandle {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }>();
  private readonly listeners = new Map<string, Set<(data: unknown) => void>>();
  private readonly tail: string[] = [];
  private exited: Promise<number | null>;
  exitCode: number | null | undefined = undefined;
  /** What the child sent with its "ready" event. */
  readyData: unknown;

  private constructor(
    readonly name: string,
    readonly child: ChildProcess,
  ) {
    this.exited = new Promise((resolve) => {
      child.once("exit", (code, signal) => {
        this.exitCode = code ?? (signal ? -1 : null);
        for (const [, p] of this.pending) {
          clearTimeout(p.timer);
          p.reject(new Error(`${name} exited (code ${String(code)}, signal ${String(signal)})\n${this.tailText()}`));
        }
        this.pending.clear();
        resolve(code);
      });
    });
    child.on("message", (m: unknown) => this.onMessage(m));
    const keep = (chunk: Buffer) => {
      for (const line of chunk.toString("utf8").split("\n")) {
        if (!line) continue;
        this.tail.push(line);
        if (this.tail.length > TAIL_LINES) this.tail.shift();
        if (process.env.BENCH_VERBOSE) process.stderr.write(`[${name}] ${line}\n`);
      }
    };
    child.stdout?.on("data", keep);
    child.stderr?.on("data", keep);
  }

  static async fork(modulePath: string, opts: ForkOptions): Promise<ChildHandle> {
    const child = fork(modulePath, opts.args ?? [], {
      execArgv: [...(opts.plain ? [] : ["--import", "tsx"]), ...(opts.nodeFlags ?? [])],
      env: { ...process.env, ...opts.env },
      stdio: ["ignore", "pipe", "pipe", "ipc"],
    });
    const handle = new ChildHandle(opts.name, child);
    try {
      handle.readyData = await handle.waitEvent("ready", opts.readyTimeoutMs ?? 30_000);
    } catch (err) {
      handle.kill("SIGKILL");
      throw err;
    }
    return handle;
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  tailText(): string {
    return this.tail.join("\n");
  }

  private onMessage(m: unknown): void {
    if (!isIpcMessage(m)) return;
    if (m.kind === "rep") {
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      clearTimeout(p.timer);
      if (m.ok) p.resolve(m.result);
      else p.reject(new Error(`${this.name}: ${m.error ?? "error"}`));
    } else if (m.kind === "evt") {
      for (const l of this.listeners.get(m.event) ?? []) l(m.data);
    }
  }

  on(event: string, listener: (data: unknown) => void): () => void {
    const set = this.listeners.get(event) ?? new Set();
    set.add(listener);
    this.listeners.set(event, set);
    return () => set.delete(listener);
  }

  waitEvent<T = unknown>(event: string, timeoutMs: number): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        off();
        offExit();
        reject(new Error(`${this.name}: no "${event}" within ${timeoutMs} ms\n${this.tailText()}`));
      }, timeoutMs);
      const off = this.on(event, (data) => {
        clearTimeout(timer);
        off();
        offExit();
        resolve(data as T);
      });
      const onExit = () => {
        clearTimeout(timer);
        off();
        reject(new Error(`${this.name} exited before "${event}"\n${this.tailText()}`));
      };
      this.child.once("exit", onExit);
      const offExit = () => this.child.off("exit", onExit);
    });
  }

  call<T = unknown>(type: string, payload: unknown = {}, timeoutMs = 30_000): Promise<T> {
    if (this.exitCode !== undefined || !this.child.connected) {
      return Promise.reject(new Error(`${this.name} is not running\n${this.tailText()}`));
    }
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`${this.name}: "${type}" timed out after ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject, timer });
      const req: IpcRequest = { kind: "req", id, type, payload };
      this.child.send(req);
    });
  }

  /** Wait for exit; SIGKILL if the deadline passes. */
  async waitExit(timeoutMs: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<"timeout">((r) => {
      timer = setTimeout(() => r("timeout"), timeoutMs);
    });
    const outcome = await Promise.race([this.exited, deadline]);
    clearTimeout(timer);
    if (outcome === "timeout") {
      this.child.kill("SIGKILL");
      await this.exited;
    }
  }

  kill(signal: NodeJS.Signals = "SIGKILL"): void {
    if (this.exitCode === undefined) this.child.kill(signal);
  }

  /** Ask the child to stop itself, then make sure it is gone. */
  async stop(timeoutMs = 15_000): Promise<void> {
    if (this.exitCode !== undefined) return;
    try {
      await this.call("stop", {}, timeoutMs);
    } catch {
      // fall through to the signals below
    }
    if (this.exitCode === undefined) this.child.kill("SIGTERM");
    await this.waitExit(timeoutMs);
  }
}

/**
 * Request handlers by type. Payloads come from the parent process of the same benchmark
 * (trusted, typed at the call site), so each handler declares its own payload type.
 */
export type Handlers = Record<string, (payload: never) => unknown>;

/**
 * Child side: answer requests with `handlers`, announce "ready". A "stop" handler, when
 * present, runs before the process exits; the process exits after answering "stop".
 * The child also exits when its parent goes away.
 */
export function serveIpc(handlers: Handlers): { emit(event: string, data?: unknown): void } {
  const send = (m: IpcMessage) => {
    if (process.connected) process.send?.(m);
  };
  process.on("message", (m: unknown) => {
    if (!isIpcMessage(m) || m.kind !== "req") return;
    const handler = handlers[m.type];
    if (!handler) {
      send({ kind: "rep", id: m.id, ok: false, error: `unknown request ${m.type}` });
      return;
    }
    Promise.resolve()
      .then(() => handler(m.payload as never))
      .then(
        (result) => {
          send({ kind: "rep", id: m.id, ok: true, result });
          if (m.type === "stop") setTimeout(() => process.exit(0), 50).unref();
        },
        (err: unknown) => {
          send({ kind: "rep", id: m.id, ok: false, error: err instanceof Error ? err.message : String(err) });
          if (m.type === "stop") setTimeout(() => process.exit(1), 50).unref();
        },
      );
  });
  process.on("disconnect", () => process.exit(0));
  return {
    emit(event, data) {
      send({ kind: "evt", event, data });
    },
  };
}
