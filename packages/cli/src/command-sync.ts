import { readFile } from 'node:fs/promises';
import { connectDatabase, type DatabaseConnection } from '@rowguard/core';
import {
  HOST_KINDS,
  HostDataError,
  hostSourceFor,
  HostSync,
  MissingHostRoleError,
  sqlSourceOptionsSchema,
  SyncCursorError,
  type HostKind,
  type RoleMapping,
  type SyncRunReport,
} from '@rowguard/adapters';
import { connectionTimeouts, expectPositionals, stringOption } from './cli-args.js';
import { CliError, EXIT, redactUrls } from './cli-errors.js';
import type { CliIo } from './cli-io.js';
import type { Command, CommandContext } from './command-model.js';
import { domainName, withEngine } from './command-support.js';
import { createProgress } from './progress-report.js';

/** `--map editor=Editors,author=Authors` as pairs, group names resolved later. */
function mapOption(ctx: CommandContext): { hostRole: string; group: string }[] {
  const raw = stringOption(ctx.args.values, 'map');
  if (raw === undefined || raw.trim() === '') return [];
  return raw.split(',').map((pair) => {
    const at = pair.indexOf('=');
    const hostRole = pair.slice(0, at).trim();
    const group = pair.slice(at + 1).trim();
    if (at < 1 || hostRole === '' || group === '') throw new CliError('usage', `--map takes <host role>=<group name>[,...], not '${pair}'`, EXIT.badInput);
    return { hostRole, group };
  });
}

function intOption(ctx: CommandContext, name: 'batch', fallback: number, max: number): number {
  const raw = stringOption(ctx.args.values, name);
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > max) throw new CliError('usage', `--${name} must be a whole number from 1 to ${max}`, EXIT.badInput);
  return n;
}

/** The report in words. */
function describe(host: string, r: SyncRunReport, exitCode: number): string {
  const c = r.changes;
  const lines = [
    `${r.dryRun ? 'dry run: would sync' : 'synced'} ${r.users} ${host} users in ${(r.durationMs / 1000).toFixed(1)} s`,
    `  contacts created ${c.created}, linked by e-mail ${c.linked}, updated ${c.updated}; links suspended ${c.suspended}, resumed ${c.resumed}, removed ${c.unlinked}; skipped ${c.skipped}`,
    `  memberships Added ${c.addedCount}, Removed ${c.removedCount}`,
  ];
  for (const m of r.ignoredMappings) lines.push(`  warning: host role '${m.hostRole}' no longer exists; its mapping to group ${m.groupId} was skipped`);
  for (const g of r.guarded) {
    lines.push(`  removal guard: group ${g.groupId} (${g.members} members) may lose at most ${g.allowed} in one run; ${g.withheld} removals withheld${r.dryRun ? '' : ' (run again with --force to make them)'}`);
  }
  if (exitCode === EXIT.denied && r.dryRun) lines.push('  a real run would withhold these removals (exit 1) unless --force is given');
  return `${lines.join('\n')}\n`;
}

/** Width of the terminal progress bar, in cells. */
const BAR = 30;

/**
 * Progress on stderr, when the source can count its users: on a terminal a redrawn bar
 * (`syncing wordpress users [#########.....] 62% 62000/100000`), otherwise a line every 10% (see
 * `createProgress`); nothing with `--quiet` or `--json`.
 */
function progressFor(io: CliIo, quiet: boolean, total: number | undefined, label: string) {
  if (total === undefined || quiet || total === 0) return { update: (_n: number) => undefined, done: () => undefined };
  if (io.errIsTty) {
    let last = -1;
    const draw = (n: number) => {
      const pct = Math.floor((Math.min(n, total) * 100) / total);
      if (pct === last) return;
      last = pct;
      const full = Math.round((pct * BAR) / 100);
      io.err(`\r${label} [${'#'.repeat(full)}${'.'.repeat(BAR - full)}] ${pct}% ${Math.min(n, total)}/${total}`);
    };
    return {
      update: draw,
      done: () => {
        draw(total);
        io.err('\n');
      },
    };
  }
  const lines = createProgress(io, label, total, { quiet });
  let shown = 0;
  return {
    update: (n: number) => {
      for (; shown < Math.min(n, total); shown++) lines.tick();
    },
    done: () => lines.done(),
  };
}

/**
 * `rowguard sync --host <kind> --host-db <url> [--prefix <p>] [--map <role>=<group>,...] [--dry-run] [--force]`:
 * reads the host's users from its own tables (read only) and brings the domain's contacts, user links and
 * mapped static groups up to date (`HostSync.reconcileAll` of `@rowguard/adapters`), with a progress bar on a
 * terminal. `--host sql` takes the generic source's table configuration as a JSON file argument. Exit 0 done,
 * 1 when the removal guard withheld removals, 2 bad input (or a mapped host role that no longer exists), 3 a
 * database error or corrupt host data (nothing of that batch is written).
 *
 * @example
 * ```ts
 * await syncCommand(ctx); // rowguard sync --host wordpress --host-db mysql://wp@127.0.0.1/wordpress --map editor=Editors
 * ```
 */
export const syncCommand: Command = async (ctx) => {
  const kind = stringOption(ctx.args.values, 'host');
  if (kind === undefined || !(HOST_KINDS as readonly string[]).includes(kind)) {
    throw new CliError('usage', `--host must be one of ${HOST_KINDS.join(', ')}`, EXIT.badInput);
  }
  const hostUrl = stringOption(ctx.args.values, 'host-db');
  if (hostUrl === undefined) throw new CliError('usage', '--host-db <url> is required (the host database, read only)', EXIT.badInput);
  const [configFile] = expectPositionals(ctx.args, 0, 'sync --host <kind> --host-db <url> [<sql-source.json>]', 1);
  if ((kind === 'sql') !== (configFile !== undefined)) {
    throw new CliError('usage', kind === 'sql' ? '--host sql needs its table configuration: rowguard sync --host sql --host-db <url> <sql-source.json>' : 'only --host sql takes a file', EXIT.badInput);
  }
  const sqlOptions = configFile === undefined ? undefined : sqlSourceOptionsSchema.safeParse(JSON.parse(await readFile(configFile, 'utf8')));
  if (sqlOptions && !sqlOptions.success) throw new CliError('invalid_sql_source', `invalid ${configFile}: ${sqlOptions.error.message}`, EXIT.badInput);
  const prefix = stringOption(ctx.args.values, 'prefix');
  const pairs = mapOption(ctx);
  const batchSize = intOption(ctx, 'batch', 1000, 5000);
  const dryRun = ctx.args.values['dry-run'] === true;
  const force = ctx.args.values.force === true;

  return withEngine(ctx, { requireSchema: true }, async (open) => {
    let host: DatabaseConnection;
    try {
      host = await connectDatabase(hostUrl, { poolSize: 2, ...connectionTimeouts(ctx.args.values) });
    } catch (err) {
      throw new CliError('host_database', `cannot open the host database ${redactUrls(hostUrl)}: ${(err as Error).message}`, EXIT.database);
    }
    try {
      const domain = await open.engine.domain(domainName(ctx));
      const groups = (await domain.policy()).groups;
      const mappings: RoleMapping[] = pairs.map(({ hostRole, group }) => {
        const found = [...groups.values()].find((g) => g.name === group);
        if (!found) throw new CliError('unknown_group', `no group named '${group}' in domain ${domain.name}`, EXIT.badInput);
        if (found.kind !== 'static') throw new CliError('not_static_group', `group '${group}' is smart; a sync sets static groups`, EXIT.badInput);
        return { hostRole, groupId: found.id };
      });
      const emailAttribute = stringOption(ctx.args.values, 'email-attribute') ?? (open.attributes.get('email') === 'text' ? 'email' : undefined);
      if (emailAttribute !== undefined && open.attributes.get(emailAttribute) !== 'text') {
        throw new CliError('unknown_attribute', `'${emailAttribute}' is not a text contact attribute`, EXIT.badInput);
      }
      const source = hostSourceFor(kind as HostKind, host.db, { ...(prefix === undefined ? {} : { prefix }), ...(sqlOptions?.success ? { sql: sqlOptions.data } : {}) });
      const sync = new HostSync(domain, source, { mappings, ...(emailAttribute ? { emailAttribute } : {}) });
      const total = source.countUsers ? await source.countUsers() : undefined;
      const progress = progressFor(ctx.io, ctx.args.values.quiet === true || ctx.json, total, `syncing ${kind} users`);
      const report = await sync.reconcileAll({
        batchSize,
        dryRun,
        force,
        listLimit: 100,
        ...(stringOption(ctx.args.values, 'cursor') === undefined ? {} : { cursor: stringOption(ctx.args.values, 'cursor') }),
        onProgress: (p) => {
          if (p.phase === 'users') progress.update(p.processed);
        },
      });
      progress.update(total ?? 0);
      progress.done();
      const exitCode = report.guarded.length > 0 ? EXIT.denied : EXIT.ok;
      return { exitCode, json: { host: kind, hostDb: redactUrls(hostUrl), ...report }, human: describe(kind, report, exitCode) };
    } catch (err) {
      if (err instanceof MissingHostRoleError) throw new CliError('missing_host_role', err.message, EXIT.badInput);
      if (err instanceof SyncCursorError) throw new CliError('usage', err.message, EXIT.badInput);
      if (err instanceof HostDataError) throw new CliError('host_data', err.message, EXIT.database);
      throw err;
    } finally {
      await host.close().catch(() => undefined);
    }
  });
};
