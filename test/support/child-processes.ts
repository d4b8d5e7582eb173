import { ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** The repository root: the built server lives in ROOT/dist. */
export const ROOT = resolve(__dirname, '..', '..');

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface RunningProcess {
  readonly child: ChildProcess;
  readonly pid: number;
  stdout(): string;
  stderr(): string;
  /** Resolves when the process has exited (never rejects). */
  readonly exited: Promise<Exit>;
  /** The exit, or null while it runs. */
  exit(): Exit | null;
  /** Resolves with the first match in stdout+stderr; rejects on exit or after timeoutMs. */
  waitForOutput(pattern: RegExp, timeoutMs: number): Promise<RegExpMatchArray>;
  /** Sends the signal and waits for the exit; rejects after timeoutMs. */
  stop(signal: NodeJS.Signals, timeoutMs: number): Promise<Exit>;
}

const running = new Set<RunningProcess>();

/**
 * An environment that shares nothing with the developer's shell or a `.env` file: variables
 * Tidings reads are set to '' (which counts as unset, and which `.env` cannot override).
 */
export function isolatedEnv(vars: Record<string, string>): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    NO_COLOR: '1',
    NODE_ENV: 'development',
    HOST: '127.0.0.1',
    LOG_FORMAT: 'json',
    LOG_LEVEL: 'info',
    DATABASE_URL: '',
    REDIS_URL: '',
    SECRET_KEY: '',
    PUBLIC_URL: '',
    SMTP_URL: '',
    WORKERS_ENABLED: '',
    DATABASE_MIGRATIONS_RUN: '',
    ...vars,
  };
}

/** Fails with a clear message when `npm test`'s pretest build has not produced dist/. */
export function builtEntry(relative: string): string {
  const path = join(ROOT, 'dist', relative);
  if (!existsSync(path)) {
    throw new Error(
      `${path} is missing: these tests run the built server. Run \`npm run build\` (or \`npm test\`, which builds first).`,
    );
  }
  return path;
}

export function startNode(script: string, args: string[], env: NodeJS.ProcessEnv): RunningProcess {
  const child = spawn(process.execPath, [script, ...args], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  let exit: Exit | null = null;
  const listeners = new Set<() => void>();
  const changed = () => listeners.forEach((l) => l());
  child.stdout.setEncoding('utf8').on('data', (d: string) => {
    out += d;
    changed();
  });
  child.stderr.setEncoding('utf8').on('data', (d: string) => {
    err += d;
    changed();
  });
  const exited = new Promise<Exit>((res) => {
    // 'close' (not 'exit') so every byte of output has been read.
    child.once('close', (code, signal) => {
      exit = { code, signal };
      running.delete(proc);
      changed();
      res(exit);
    });
  });

  const proc: RunningProcess = {
    child,
    pid: child.pid ?? 0,
    stdout: () => out,
    stderr: () => err,
    exited,
    exit: () => exit,
    waitForOutput(pattern, timeoutMs) {
      return new Promise((res, rej) => {
        const check = () => {
          const match = (out + err).match(pattern);
          if (match) return done(() => res(match));
          const ended = exit;
          if (ended) {
            return done(() =>
              rej(
                new Error(`exited (${describeExit(ended)}) before printing ${pattern}\n${tail()}`),
              ),
            );
          }
        };
        const timer = setTimeout(
          () => done(() => rej(new Error(`no ${pattern} within ${timeoutMs} ms\n${tail()}`))),
          timeoutMs,
        );
        const done = (then: () => void) => {
          clearTimeout(timer);
          listeners.delete(check);
          then();
        };
        listeners.add(check);
        check();
      });
    },
    async stop(signal, timeoutMs) {
      if (!exit) child.kill(signal);
      return withDeadline(exited, timeoutMs, () => `no exit within ${timeoutMs} ms of ${signal}`);
    },
  };
  const tail = () => `--- stdout ---\n${out.slice(-3000)}\n--- stderr ---\n${err.slice(-3000)}`;
  running.add(proc);
  return proc;
}

/** Runs a command to its end (e.g. the CLI) and returns what it printed. */
export async function runNode(
  script: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  timeoutMs = 30_000,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const proc = startNode(script, args, env);
  try {
    const { code } = await withDeadline(
      proc.exited,
      timeoutMs,
      () => `${script} ${args.join(' ')} did not finish within ${timeoutMs} ms`,
    );
    return { code, stdout: proc.stdout(), stderr: proc.stderr() };
  } finally {
    if (!proc.exit()) proc.child.kill('SIGKILL');
  }
}

/** Kills every child these helpers started that is still running (for afterAll/afterEach). */
export async function killAllChildren(): Promise<void> {
  const left = [...running];
  for (const p of left) p.child.kill('SIGKILL');
  await Promise.all(left.map((p) => p.exited));
}

export function describeExit(exit: Exit): string {
  return exit.signal ? `signal ${exit.signal}` : `code ${exit.code}`;
}

export async function withDeadline<T>(
  promise: Promise<T>,
  ms: number,
  message: () => string,
): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, rej) => {
        timer = setTimeout(() => rej(new Error(message())), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Polls until the condition holds. `giveUp` (checked each round) returns a reason to stop early,
 * e.g. the process under test has exited.
 */
export async function waitUntil(
  condition: () => Promise<boolean>,
  options: { timeoutMs: number; what: string; giveUp?: () => string | undefined },
): Promise<void> {
  const deadline = Date.now() + options.timeoutMs;
  for (;;) {
    if (await condition()) return;
    const reason = options.giveUp?.();
    if (reason) throw new Error(`gave up waiting for ${options.what}: ${reason}`);
    if (Date.now() > deadline) {
      throw new Error(`${options.what} did not happen within ${options.timeoutMs} ms`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}
