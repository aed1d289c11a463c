/**
 * The services of `npm start`, each a child process kept running: one that exits on its
 * own is restarted with backoff (RestartPolicy), and said so; its output goes whole to
 * `<logDir>/<name>.log` and, filtered (showInTerminal), to the terminal.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createWriteStream, mkdirSync, type WriteStream } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { RestartPolicy } from "./restart-policy";
import { showInTerminal } from "./log-filter";

export const ROOT = fileURLToPath(new URL("../..", import.meta.url));

export interface SupervisorOptions {
  logDir: string;
  /** Lowest pino level shown in the terminal. */
  terminalLevel: number;
  /** How long a stopping service may drain before it is killed. */
  stopDeadlineMs?: number;
  note(line: string): void;
}

export class SupervisedService {
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  private stopping = false;
  private restartTimer: NodeJS.Timeout | undefined;
  private readonly policy = new RestartPolicy();
  private readonly log: WriteStream;
  private readonly prefix: string;
  readonly logFile: string;
  restarts = 0;

  constructor(
    readonly name: string,
    private readonly env: NodeJS.ProcessEnv,
    private readonly opts: SupervisorOptions,
  ) {
    mkdirSync(opts.logDir, { recursive: true });
    this.logFile = path.join(opts.logDir, `${name}.log`);
    this.log = createWriteStream(this.logFile, { flags: "a" });
    this.prefix = `[${name}]`.padEnd(17);
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  start(): void {
    const startedAt = Date.now();
    const child = spawn(process.execPath, ["--import", "tsx", `services/${this.name}/src/main.ts`], {
      cwd: ROOT,
      env: this.env,
      stdio: ["ignore", "pipe", "pipe"],
      // Its own process group: a terminal's Ctrl-C reaches npm start only, which then stops
      // each service once (a second signal would make the service exit without draining).
      detached: true,
    });
    this.child = child;
    for (const stream of [child.stdout, child.stderr]) {
      let partial = "";
      stream?.on("data", (chunk: Buffer) => {
        const lines = (partial + chunk.toString()).split("\n");
        partial = lines.pop() ?? "";
        for (const line of lines) this.line(line);
      });
    }
    this.exited = new Promise((resolve) =>
      child.once("exit", (code, signal) => {
        resolve();
        if (this.stopping) return;
        const delay = this.policy.delayAfter(Date.now() - startedAt);
        this.restarts++;
        this.opts.note(`socketpot: ${this.name} exited (${signal ?? `code ${code}`}); restarting in ${(delay / 1000).toFixed(1)} s (log: ${this.logFile})`);
        this.restartTimer = setTimeout(() => this.start(), delay);
      }),
    );
  }

  /** SIGTERM, then SIGKILL after the deadline; no restart afterwards. */
  async stop(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.restartTimer);
    const child = this.child;
    if (child && child.exitCode === null && child.signalCode === null) {
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), this.opts.stopDeadlineMs ?? 10_000);
      await this.exited;
      clearTimeout(timer);
    }
    await new Promise<void>((resolve) => this.log.end(() => resolve()));
  }

  /** Last resort when npm start itself is exiting: nothing may outlive it. */
  kill(): void {
    this.stopping = true;
    clearTimeout(this.restartTimer);
    if (this.child && this.child.exitCode === null) this.child.kill("SIGKILL");
  }

  private line(line: string): void {
    this.log.write(line + "\n");
    if (showInTerminal(line, this.opts.terminalLevel)) process.stdout.write(`${this.prefix} ${line}\n`);
  }
}
