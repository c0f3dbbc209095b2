import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { KyselyPlugin, OperationNode, RootOperationNode } from 'kysely';
import type { DialectKind } from '../../src/index.js';
import { openTestDatabase } from './test-databases.js';

/** The kind of schema change a query node is, with its table, or undefined for anything else. */
function ddlOf(node: RootOperationNode | OperationNode): string | undefined {
  const table = (n: unknown) => String((n as { table?: { table?: { identifier?: { name?: string } } } }).table?.table?.identifier?.name ?? '');
  if (node.kind === 'CreateTableNode' || node.kind === 'CreateIndexNode' || node.kind === 'AlterTableNode') {
    const name = table(node);
    return name === 'rg_migration' || name === 'rg_migration_lock' ? undefined : `${node.kind} ${name}`;
  }
  if (node.kind === 'RawNode') {
    const text = (node as { sqlFragments: readonly string[] }).sqlFragments.join('?').trim();
    return /^alter table/i.test(text) ? `RawAlter ${text.slice(0, 40)}` : undefined;
  }
  return undefined;
}

/**
 * A plugin that sees each schema change of the engine's tables (not the migrator's bookkeeping) before it is
 * sent; `onDdl` may throw to make that statement fail, as a server that went away would.
 */
export function ddlWatcher(onDdl: (ddl: string, index: number) => void): KyselyPlugin {
  let count = 0;
  return {
    transformQuery: ({ node }) => {
      const ddl = ddlOf(node);
      if (ddl !== undefined) onDdl(ddl, count++);
      return node;
    },
    transformResult: ({ result }) => Promise.resolve(result),
  };
}

const PG = process.env.ROWGUARD_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const MYSQL = `mysql://root@${process.env.ROWGUARD_MYSQL_HOST ?? '127.0.0.1'}:${process.env.ROWGUARD_MYSQL_PORT ?? '3306'}`;

/**
 * A clean, empty database as a URL a child process can open: a SQLite file, a MariaDB database, a PostgreSQL
 * schema (the same URLs as the CLI suites' `freshDatabaseUrl`, which core tests cannot import).
 */
export async function freshUrl(dialect: DialectKind, scope: string): Promise<string> {
  if (dialect === 'sqlite') return `sqlite:${join(mkdtempSync(join(tmpdir(), `rg-${scope}-`)), 'rowguard.sqlite')}`;
  const name = `rgt_${process.env.ROWGUARD_TEST_SCOPE_PREFIX ?? ''}${scope}`.toLowerCase().replace(/[^a-z0-9_]/g, '_').slice(0, 60);
  await (await openTestDatabase(dialect, scope)).close();
  if (dialect === 'mysql') return `${MYSQL}/${name}`;
  return `${PG}${PG.includes('?') ? '&' : '?'}options=${encodeURIComponent(`-c search_path=${name}`)}`;
}

const CORE_DIST = join(resolve(dirname(fileURLToPath(import.meta.url)), '../..'), 'dist', 'index.js');

/**
 * Runs `rowguard.migrate()` (the built package) in a child process that stops dead just before the statement
 * that would create the `tables + 1`-th engine table, and kills it there with SIGKILL: a migration really cut
 * off part-way. Resolves with the child's output once it is dead.
 */
export async function killMigrationAfterTables(url: string, tables: number, attributes: Record<string, { type: 'text' | 'integer' }>): Promise<string> {
  if (!existsSync(CORE_DIST)) throw new Error(`${CORE_DIST} is missing: run \`pnpm --filter @rowguard/core build\` first`);
  const script = `
    const { connectDatabase, createRowguard } = await import(${JSON.stringify(pathToFileURL(CORE_DIST).href)});
    const { db, dialect } = await connectDatabase(process.argv[1], { poolSize: 2 });
    let created = 0;
    const stall = {
      transformQuery({ node }) {
        const name = node.table?.table?.identifier?.name ?? '';
        if (node.kind === 'CreateTableNode' && name !== 'rg_migration' && name !== 'rg_migration_lock') {
          if (created === ${tables}) {
            process.stdout.write('STALLED before ' + name + '\\n');
            Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 60000);
          }
          created++;
        }
        return node;
      },
      transformResult: ({ result }) => Promise.resolve(result),
    };
    await createRowguard({ db: db.withPlugin(stall), dialect, contacts: { attributes: ${JSON.stringify(attributes)} } }).migrate();
    process.stdout.write('FINISHED\\n');
    await db.destroy();
  `;
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', script, url], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('STALLED')) child.kill('SIGKILL');
    });
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', fail);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      done(`${out}exit ${String(code)} ${String(signal)}`);
    });
  });
}
