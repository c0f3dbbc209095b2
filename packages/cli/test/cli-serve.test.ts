import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { BIN, rowguard, tempDir } from './support/cli-runner.js';

// `rowguard serve`: the admin page on 127.0.0.1 with a one-time login link, loaded lazily, stopped by a signal;
// bad options exit 2 before anything is opened.
describe('rowguard serve', () => {
  it('prints a one-time login link for the demo database, serves the page on 127.0.0.1, and stops on SIGTERM', async () => {
    const dir = tempDir('serve');
    const demo = await rowguard(['demo', '--quiet'], { cwd: dir });
    expect(demo.code, demo.stderr).toBe(0);
    expect(demo.stdout).toContain('rowguard serve --db sqlite:rowguard-demo.sqlite --domain country-sales');
    const child = spawn(process.execPath, [BIN, 'serve', '--db', 'sqlite:rowguard-demo.sqlite', '--domain', 'country-sales', '--port', '0'], { cwd: dir });
    let out = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      await expect.poll(() => out, { timeout: 20_000 }).toMatch(/login\?token=/);
      const login = /(http:\/\/127\.0\.0\.1:\d+\/)login\?token=([A-Za-z0-9_-]+)/.exec(out);
      expect(login).not.toBeNull();
      const [url, base] = [login?.[0] as string, login?.[1] as string];
      expect((await fetch(`${base}api/matrix`)).status).toBe(401);
      const signIn = await fetch(url, { redirect: 'manual' });
      expect(signIn.status).toBe(303);
      const cookie = (signIn.headers.get('set-cookie') ?? '').split(';')[0] as string;
      const matrix = await fetch(`${base}api/matrix`, { headers: { cookie } });
      expect(matrix.status).toBe(200);
      const body = (await matrix.json()) as { roles: { name: string }[] };
      expect(body.roles.map((r) => r.name)).toContain('Country manager');
      expect((await fetch(url, { redirect: 'manual' })).status).toBe(401);
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
    expect(out).toContain('stopped (SIGTERM)');
  });

  it('acts as a named person with --as, whose permission the policy decides', async () => {
    const dir = tempDir('serve-as');
    expect((await rowguard(['demo', '--quiet'], { cwd: dir })).code).toBe(0);
    const child = spawn(process.execPath, [BIN, 'serve', '--db', 'sqlite:rowguard-demo.sqlite', '--domain', 'country-sales', '--port', '0', '--as', 'mgr-vn'], { cwd: dir });
    let out = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      await expect.poll(() => out, { timeout: 20_000 }).toMatch(/login\?token=/);
      const [url, base] = (/(http:\/\/127\.0\.0\.1:\d+\/)login\?token=[A-Za-z0-9_-]+/.exec(out) ?? []) as string[];
      const cookie = ((await fetch(url as string, { redirect: 'manual' })).headers.get('set-cookie') ?? '').split(';')[0] as string;
      expect((await fetch(`${base}api/matrix`, { headers: { cookie } })).status).toBe(403);
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
  });

  it('refuses a bad port or a positional argument with exit code 2', async () => {
    const bad = await rowguard(['serve', '--db', 'sqlite::memory:', '--port', 'http']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--port must be a port number');
    const extra = await rowguard(['serve', 'now', '--db', 'sqlite::memory:']);
    expect(extra.code).toBe(2);
  });
});
