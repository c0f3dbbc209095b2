import { execFile } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SCRIPT = join(dirname(fileURLToPath(import.meta.url)), 'support', 'never-settling-tap.mjs');

function runScript(timeoutMs: number): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [SCRIPT, String(timeoutMs)], { timeout: 30_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : null) : 0, stdout, stderr });
    });
  });
}

describe('a tap that never settles, in a process with nothing else to do (built packages)', () => {
  it('keeps the process alive until the time limit denies, then exits 0 with the decision', async () => {
    const timeoutMs = 400;
    const run = await runScript(timeoutMs);
    console.log(`[tap timeout] exit ${run.code}; stdout ${run.stdout || '(nothing)'}; stderr ${run.stderr.trim()}`);
    expect(run.stdout, `the process exited before the decision: ${run.stderr}`).not.toBe('');
    const out = JSON.parse(run.stdout) as { decision: string; afterMs: number };
    expect(out.decision).toBe('deny');
    expect(out.afterMs).toBeGreaterThanOrEqual(timeoutMs - 5);
    expect(run.stderr).toMatch(/never-settles/);
    expect(run.code).toBe(0);
  });
});
