import { connectDatabase, createRowguard } from '@rowguard/core';
import { afterAll, describe, expect, it } from 'vitest';
import { startTcpProxy, type TcpProxy } from '../../core/test/support/tcp-proxy.js';
import { cliDialects, freshDatabaseUrl } from './support/cli-databases.js';
import { rowguard, type CliRun } from './support/cli-runner.js';

// A cut or silent database is an error (exit 3), never "denied" (exit 1) and never a crash.
const servers = (await cliDialects({ withPostgres: true })).filter((d) => d !== 'sqlite');

/** The URL with its host and port replaced by a proxy's. */
function via(url: string, port: number): string {
  const u = new URL(url);
  u.hostname = '127.0.0.1';
  u.port = String(port);
  return u.toString();
}

describe.each(servers)('the CLI when the connection fails, on %s', (dialect) => {
  const proxies: TcpProxy[] = [];
  afterAll(async () => {
    for (const p of proxies) await p.close();
  });

  it('a server that accepts TCP and never answers: exit 3 within the connect timeout, with a clear message', async () => {
    const url = await freshDatabaseUrl(dialect, 'cli_conn_silent');
    const silent = await startTcpProxy(undefined);
    proxies.push(silent);
    const t0 = Date.now();
    const run = await rowguard(['check', '--db', via(url, silent.port), '--connect-timeout', '500', '--as', 'alice', 'view', 'open']);
    const ms = Date.now() - t0;
    console.log(`[${dialect}] silent server: exit ${run.code} after ${ms} ms: ${run.stderr.trim()}`);
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(/no answer from the database within 500 ms \(connect timeout\)/);
    expect(ms).toBeLessThan(8_000);
    const json = await rowguard(['check', '--db', via(url, silent.port), '--connect-timeout', '500', '--as', 'alice', 'view', 'open', '--json']);
    expect(json.code).toBe(3);
    expect(json.json().error.code).toBe('database_error');
  }, 30_000);

  it('a bad timeout value is a usage error (exit 2)', async () => {
    const run = await rowguard(['check', '--db', 'sqlite::memory:', '--statement-timeout', '0', '--as', 'a', 'view', 'b']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/--statement-timeout must be a whole number/);
  });

  it('connections reset while checks run: every run exits 0 (allowed) or 3 (error), never 1 and never a crash', async () => {
    const url = await freshDatabaseUrl(dialect, 'cli_conn_reset');
    const { db, dialect: kind, close } = await connectDatabase(url, { poolSize: 1 });
    try {
      const engine = createRowguard({ db, dialect: kind, onError: () => undefined });
      await engine.migrate();
      const admin = (await engine.domain('default')).admin('cli-test');
      const alice = await admin.createContact({ key: 'alice', contactType: 'Individual', sortName: 'alice' });
      const open = await admin.createContact({ key: 'open', contactType: 'Individual', sortName: 'open' });
      await admin.linkUser({ userId: 'u-alice', contactId: alice });
      await admin.createEntry({ effect: 'allow', operation: 'view', owner: { type: 'contact', id: alice }, object: { type: 'contact', id: open } });
    } finally {
      await close();
    }
    const p = await startTcpProxy({ host: new URL(url).hostname, port: Number(new URL(url).port) });
    proxies.push(p);
    const proxied = via(url, p.port);
    expect((await rowguard(['check', '--db', proxied, '--as', 'alice', 'view', 'open'])).code).toBe(0);
    let cutting = true;
    let resets = 0;
    const cutter = (async () => {
      while (cutting) {
        await new Promise((resolve) => setTimeout(resolve, 150 + Math.floor(Math.random() * 600)));
        if (p.reset() > 0) resets += 1;
      }
    })();
    const runs: CliRun[] = [];
    const t0 = Date.now();
    const worker = async () => {
      while (runs.length < 32 && Date.now() - t0 < 15_000) runs.push(await rowguard(['check', '--db', proxied, '--as', 'alice', 'view', 'open']));
    };
    await Promise.all([worker(), worker(), worker(), worker()]);
    cutting = false;
    await cutter;
    const codes: Record<string, number> = {};
    for (const r of runs) codes[r.code] = (codes[r.code] ?? 0) + 1;
    console.log(`[${dialect}] ${runs.length} checks under ${resets} resets: exit codes ${JSON.stringify(codes)}`);
    for (const r of runs) {
      expect([0, 3], `exit ${r.code}: ${r.stderr}`).toContain(r.code);
      if (r.code === 3) expect(r.stderr).toMatch(/^rowguard check: (database error|unexpected error)/);
    }
    expect(codes['3'] ?? 0).toBeGreaterThan(0);
  }, 60_000);
});
