import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const SCRIPT = join(here, 'cluster-entry-writer.mjs');
const BUILT = join(here, '../../dist/index.js');

/** What the writer process committed last (step number, and on PostgreSQL the token taken after it). */
export interface Committed {
  readonly k: number;
  readonly lsn?: string;
}

/** A running writer process (see cluster-entry-writer.mjs). */
export interface WriterProcess {
  /** The last step the writer reported as committed. */
  last(): Committed;
  /** Resolves when the writer exits, with its step and retry counts. */
  readonly done: Promise<{ steps: number; retries: number }>;
}

/** Settings of the writer process. */
export interface WriterSettings {
  readonly url: string;
  readonly replicaUrl?: string;
  readonly domain: string;
  readonly subject: number;
  readonly contacts: readonly number[];
  readonly durationMs: number;
  readonly pauseMs?: number;
}

/** Starts the writer process; it needs the built core (`pnpm build`). */
export function startEntryWriter(settings: WriterSettings): WriterProcess {
  if (!existsSync(BUILT)) throw new Error(`the writer process needs the built core (${BUILT}): run pnpm build`);
  const child = spawn(process.execPath, [SCRIPT, JSON.stringify(settings)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let last: Committed = { k: 0 };
  let buffer = '';
  let errors = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => {
    buffer += chunk;
    const lines = buffer.split('\n');
    buffer = lines.pop() ?? '';
    for (const line of lines) {
      const [k, lsn] = line.trim().split(' ');
      if (k) last = lsn ? { k: Number(k), lsn } : { k: Number(k) };
    }
  });
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => (errors += chunk));
  const done = new Promise<{ steps: number; retries: number }>((resolve, reject) => {
    child.on('exit', (code) => {
      const summary = errors.trim().split('\n').pop() ?? '';
      if (code !== 0) reject(new Error(`writer process exited with ${code}: ${errors}`));
      else resolve(JSON.parse(summary) as { steps: number; retries: number });
    });
  });
  return { last: () => last, done };
}
