import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { sql, type Kysely, type KyselyPlugin, type OperationNode, type RootOperationNode } from 'kysely';
import type { DialectKind } from '../../src/index.js';
import { openTestDatabase } from './test-databases.js';

/**
 * Everything the engine's schema consists of, as sorted lines: each column of each `rg_` table (type,
 * nullability, collation), each index (name, table, columns), and the recorded migrations. Two databases with
 * equal catalogs have the same schema.
 */
export async function schemaCatalog(db: Kysely<any>, dialect: DialectKind): Promise<string[]> {
  const lines: string[] = [];
  if (dialect === 'sqlite') {
    const objects = await sql<{ type: string; name: string; tbl: string }>`
      select type, name, tbl_name as tbl from sqlite_master where tbl_name like 'rg\\_%' escape '\\'`.execute(db);
    for (const o of objects.rows) {
      if (o.type === 'table') {
        const cols = await sql<{ name: string; type: string; notnull: number; dflt: unknown; pk: number }>`
          select name, type, "notnull", dflt_value as dflt, pk from pragma_table_info(${o.name})`.execute(db);
        for (const c of cols.rows) lines.push(`column ${o.name}.${c.name} ${c.type} notnull=${c.notnull} default=${String(c.dflt)} pk=${c.pk}`);
      } else {
        const cols = await sql<{ name: string }>`select name from pragma_index_info(${o.name}) order by seqno`.execute(db);
        lines.push(`index ${o.name} on ${o.tbl} (${cols.rows.map((c) => c.name).join(', ')})`);
      }
    }
  } else {
    const schema = dialect === 'mysql' ? sql`database()` : sql`current_schema()`;
    const cols = await sql<Record<string, unknown>>`
      select table_name as t, column_name as c, data_type as d, character_maximum_length as l, is_nullable as n,
             column_default as dflt, collation_name as coll
      from information_schema.columns where table_schema = ${schema} and table_name like 'rg\\_%'`.execute(db);
    for (const c of cols.rows) lines.push(`column ${String(c.t)}.${String(c.c)} ${String(c.d)}(${String(c.l)}) null=${String(c.n)} default=${String(c.dflt).replace(/rgt_\w+\./g, '')} ${String(c.coll)}`);
    const indexes =
      dialect === 'mysql'
        ? await sql<{ t: string; i: string; cols: string }>`
            select table_name as t, index_name as i, group_concat(column_name order by seq_in_index) as cols
            from information_schema.statistics where table_schema = database() and table_name like 'rg\\_%'
            group by table_name, index_name`.execute(db)
        : await sql<{ t: string; i: string; cols: string }>`
            select tablename as t, indexname as i, regexp_replace(indexdef, '^.* USING ', '') as cols
            from pg_indexes where schemaname = current_schema() and tablename like 'rg\\_%'`.execute(db);
    for (const i of indexes.rows) lines.push(`index ${i.i} on ${i.t} (${i.cols})`);
  }
  const migrations = await sql<{ name: string }>`select name from rg_migration`.execute(db).catch(() => ({ rows: [] }));
  for (const m of migrations.rows) lines.push(`migration ${m.name}`);
  return lines.sort();
}

/** The names of the `rg_` tables present (the migrator's own included). */
export async function engineTables(db: Kysely<any>, dialect: DialectKind): Promise<string[]> {
  const query =
    dialect === 'sqlite'
      ? sql<{ t: string }>`select name as t from sqlite_master where type = 'table' and name like 'rg\\_%' escape '\\'`
      : dialect === 'mysql'
        ? sql<{ t: string }>`select table_name as t from information_schema.tables where table_schema = database() and table_name like 'rg\\_%'`
        : sql<{ t: string }>`select table_name as t from information_schema.tables where table_schema = current_schema() and table_name like 'rg\\_%'`;
  return (await query.execute(db)).rows.map((r) => String(r.t)).sort();
}

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

/** A clean, empty database as a URL a child process can open: a SQLite file, a MariaDB database, a PostgreSQL schema. */
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
