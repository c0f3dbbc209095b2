import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The CLI package directory. */
export const CLI_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
/** The built binary, run as a user would (`node dist/rowguard-bin.js`). */
export const BIN = join(CLI_DIR, 'dist', 'rowguard-bin.js');
/** The test fixtures directory. */
export const FIXTURES = join(CLI_DIR, 'test', 'fixtures');

/** What a run of the binary produced. */
export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  /** stdout parsed as JSON (throws with the output when it is not). */
  json<T = any>(): T;
}

/**
 * Runs the built `rowguard` binary in a child process and waits for it.
 *
 * @example
 * ```ts
 * const run = await rowguard(['check', '--as', 'mgr-vn', 'view', 'sales-vn-1', '--json'], { cwd });
 * run.code; // 0
 * ```
 */
export async function rowguard(args: readonly string[], options: { cwd?: string; env?: Record<string, string> } = {}): Promise<CliRun> {
  if (!existsSync(BIN)) throw new Error(`${BIN} is missing: run \`pnpm --filter @rowguard/cli build\` first`);
  return new Promise((done) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      { cwd: options.cwd ?? process.cwd(), env: { ...process.env, ROWGUARD_DB: '', ...options.env }, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 99) : 0;
        done({
          code,
          stdout,
          stderr,
          json: () => {
            try {
              return JSON.parse(stdout);
            } catch {
              throw new Error(`not JSON (exit ${code}):\n${stdout}\n--- stderr ---\n${stderr}`);
            }
          },
        });
      },
    );
  });
}

/**
 * A fresh temporary directory.
 *
 * @example
 * ```ts
 * const dir = tempDir('apply');
 * ```
 */
export function tempDir(label: string): string {
  const dir = mkdtempSync(join(tmpdir(), `rowguard-cli-${label}-`));
  created.push(dir);
  return dir;
}

const created: string[] = [];
process.once('exit', () => {
  for (const dir of created) rmSync(dir, { recursive: true, force: true });
});
