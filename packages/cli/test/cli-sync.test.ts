import { describe, expect, it } from 'vitest';
import { sql, type Kysely } from 'kysely';
import { connectDatabase, createRowguard, type DialectKind } from '@rowguard/core';
import { cliDialects, freshDatabaseUrl } from './support/cli-databases.js';
import { rowguard, tempDir } from './support/cli-runner.js';
import { runCli } from '../src/cli-main.js';

const dialects = await cliDialects({ withPostgres: true });

const ROLES = 'a:2:{s:6:"editor";a:2:{s:4:"name";s:6:"Editor";s:12:"capabilities";a:1:{s:4:"read";b:1;}}s:10:"subscriber";a:2:{s:4:"name";s:10:"Subscriber";s:12:"capabilities";a:1:{s:4:"read";b:1;}}}';
const caps = (role: string) => `a:1:{s:${role.length}:"${role}";b:1;}`;

/** WordPress's user tables (the columns the adapter reads) with `n` users, user 1 an editor. */
async function wordpressTables(db: Kysely<any>, dialect: DialectKind, n: number): Promise<void> {
  const id = dialect === 'postgres' ? sql`bigserial primary key` : dialect === 'mysql' ? sql`bigint primary key auto_increment` : sql`integer primary key autoincrement`;
  await sql`create table wp_users (${sql.ref('ID')} ${id}, user_login varchar(60) not null, user_email varchar(100) not null, display_name varchar(250) not null)`.execute(db);
  await sql`create table wp_usermeta (umeta_id ${id}, user_id bigint not null, meta_key varchar(255), meta_value text)`.execute(db);
  await sql`create table wp_options (option_id ${id}, option_name varchar(191) not null unique, option_value text not null)`.execute(db);
  await db.insertInto('wp_options').values({ option_name: 'wp_user_roles', option_value: ROLES }).execute();
  const users = Array.from({ length: n }, (_, i) => ({ ID: i + 1, user_login: `u${i + 1}`, user_email: `User${i + 1}@Example.org`, display_name: `User ${i + 1}` }));
  for (let i = 0; i < n; i += 100) await db.insertInto('wp_users').values(users.slice(i, i + 100)).execute();
  const meta = users.map((u) => ({ user_id: u.ID, meta_key: 'wp_capabilities', meta_value: caps(u.ID === 1 ? 'editor' : 'subscriber') }));
  for (let i = 0; i < n; i += 100) await db.insertInto('wp_usermeta').values(meta.slice(i, i + 100)).execute();
}

describe('rowguard sync', () => {
  it.concurrent.each(dialects)('on %s: syncs WordPress users, dry-runs, refuses a missing role and corrupt data', async (dialect) => {
    const url = await freshDatabaseUrl(dialect, 'cli_sync');
    const dir = tempDir(`sync-${dialect}`);
    const conn = await connectDatabase(url);
    try {
      const engine = createRowguard({ db: conn.db, contacts: { attributes: { email: { type: 'text' } } } });
      await engine.migrate();
      const domain = await engine.domain('default');
      await domain.admin('setup').createGroup({ name: 'Editors', kind: 'static' });
      await wordpressTables(conn.db, dialect, 250);
      const run = (...args: string[]) => rowguard([...args, '--db', url], { cwd: dir });

      const first = await run('sync', '--host', 'wordpress', '--host-db', url, '--prefix', 'wp_', '--map', 'editor=Editors');
      expect(first.code, first.stderr).toBe(0);
      expect(first.stdout).toContain('synced 250 wordpress users');
      expect(first.stderr).toContain('syncing wordpress users: 250/250 (100%)');
      expect(await domain.userLinks().contactOf('wp:1')).not.toBeNull();

      await conn.db.updateTable('wp_usermeta').set({ meta_value: caps('subscriber') }).where('user_id', '=', 1).execute();
      const dry = await run('sync', '--host', 'wordpress', '--host-db', url, '--map', 'editor=Editors', '--dry-run', '--json');
      expect(dry.code, dry.stderr).toBe(0);
      expect(dry.json<{ dryRun: boolean; changes: { removedCount: number; created: number } }>()).toMatchObject({ dryRun: true, changes: { removedCount: 1, created: 0 } });
      const contact = (await domain.userLinks().contactOf('wp:1')) as number;
      expect((await domain.userLinks().membershipsOf([contact]))[0]?.status).toBe('Added');

      const missing = await run('sync', '--host', 'wordpress', '--host-db', url, '--map', 'author=Editors', '--json');
      expect(missing.code).toBe(2);
      expect(missing.json<{ error: { code: string } }>().error.code).toBe('missing_host_role');

      await conn.db.updateTable('wp_usermeta').set({ meta_value: 'a:1:{s:6:"editor"' }).where('user_id', '=', 2).execute();
      const corrupt = await run('sync', '--host', 'wordpress', '--host-db', url, '--map', 'editor=Editors');
      expect(corrupt.code).toBe(3);
      expect(corrupt.stderr).toMatch(/wp_usermeta \(umeta_id=[0-9]+, user wp:2\)/);
      expect((await domain.userLinks().membershipsOf([contact]))[0]?.status).toBe('Added');

      const bad = await run('sync', '--host', 'typo3', '--host-db', url);
      expect(bad.code).toBe(2);

      // On a terminal: a progress bar redrawn on one line.
      await conn.db.updateTable('wp_usermeta').set({ meta_value: caps('subscriber') }).where('user_id', '=', 2).execute();
      let err = '';
      const code = await runCli(['sync', '--db', url, '--host', 'wordpress', '--host-db', url, '--map', 'editor=Editors', '--batch', '100'], { out: () => undefined, err: (s) => (err += s), errIsTty: true }, {});
      expect(code, err).toBe(0);
      expect(err).toContain('\rsyncing wordpress users [##############################] 100% 250/250\n');
      expect(err).toMatch(/\rsyncing wordpress users \[#+\.+\] 40% 100\/250/);
    } finally {
      await conn.close();
    }
  });
});
