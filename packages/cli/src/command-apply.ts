import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { expectPositionals, stringOption } from './cli-args.js';
import { attributeDeclaredAt, readPolicyFile, syncPolicy, validatePolicy, type Change, type PolicyDiff } from '@rowguard/policy';
import { CliError, EXIT, redactUrls } from './cli-errors.js';
import type { Command } from './command-model.js';
import { actorOf, withEngine } from './command-support.js';
import { cliReporter } from './progress-report.js';

const MARK: Readonly<Record<Change['action'], string>> = { create: '+', update: '~', delete: '-' };

function show(value: unknown): string {
  return JSON.stringify(value ?? null);
}

/**
 * One change as a diff line: `+ contact 'mgr-vn'`, `~ entry 'wall': priority 0 -> 10`, `- group 'Old'`.
 *
 * @example
 * ```ts
 * changeLine({ kind: 'entry', action: 'update', key: 'wall', label: "entry 'wall'", fields: ['priority'], before: { priority: 0 }, after: { priority: 10 } });
 * // "~ entry 'wall': priority 0 -> 10"
 * ```
 */
export function changeLine(c: Change): string {
  const detail = c.action === 'update' ? `: ${c.fields.map((f) => `${f} ${show(c.before?.[f])} -> ${show(c.after?.[f])}`).join(', ')}` : '';
  return `${MARK[c.action]} ${c.label}${detail}`;
}

/**
 * The diff as text: one line per change, then the counts.
 *
 * @example
 * ```ts
 * diffText(diff, { lines: true });
 * ```
 */
export function diffText(diff: PolicyDiff, options: { lines: boolean }): string {
  const out: string[] = [];
  if (options.lines) for (const c of diff.changes) out.push(`  ${changeLine(c)}`);
  else {
    const byKind = new Map<string, number>();
    for (const c of diff.changes) byKind.set(`${c.action} ${c.kind}`, (byKind.get(`${c.action} ${c.kind}`) ?? 0) + 1);
    for (const [what, n] of byKind) out.push(`  ${what}: ${n}`);
  }
  return out.length > 0 ? `${out.join('\n')}\n` : '';
}

/**
 * `rowguard apply <policy-file> [--dry-run] [--prune [--force]]`: validates the whole file, then makes the
 * database match it in one transaction that locks the domain (upsert by key; `--prune` also removes what the file
 * no longer has, at most half of the domain without `--force`). `--dry-run` rehearses the writes and rolls them
 * back. A bad file exits 2 naming the file, line and field; nothing is written.
 *
 * @example
 * ```ts
 * await applyCommand(ctx); // { exitCode: 0, json: { changes: [...], counts: {...}, written: true } }
 * ```
 */
export const applyCommand: Command = async (ctx) => {
  const [file] = expectPositionals(ctx.args, 1, 'apply <policy-file> [--dry-run] [--prune [--force]]') as [string];
  const text = await readPolicyFile(file);
  const validated = validatePolicy(text, { domain: stringOption(ctx.args.values, 'domain') });
  const dryRun = ctx.args.values['dry-run'] === true;
  const prune = ctx.args.values.prune === true;
  const force = ctx.args.values.force === true;
  if (force && !prune) throw new CliError('usage', '--force only applies with --prune', EXIT.badInput);
  const declaredAt = attributeDeclaredAt(validated);
  // A dry run against a SQLite file that does not exist yet compares with an empty database and creates no file.
  const missingFile = ctx.dbUrl.startsWith('sqlite:') && !['', ':memory:'].includes(ctx.dbUrl.slice(7)) && !existsSync(resolve(ctx.dbUrl.slice(7)));
  const url = dryRun && missingFile ? 'sqlite::memory:' : ctx.dbUrl;
  const options = { requireSchema: false, declared: validated.policy.attributes, entityTypes: validated.policy.entityTypes, url, declaredAt };
  return withEngine(ctx, options, async (open) => {
    const reporter = cliReporter(ctx.io, { quiet: ctx.args.values.quiet === true });
    const outcome = await syncPolicy(open.engine, validated, { prune, dryRun, force, actor: actorOf(ctx), reporter });
    const { diff } = outcome;
    const counts = `${diff.counts.create} to create, ${diff.counts.update} to update, ${diff.counts.delete} to remove`;
    let human = `${dryRun ? 'dry run: ' : ''}${file} -> ${redactUrls(ctx.dbUrl)} (domain '${outcome.domain}')\n`;
    if (diff.changes.length === 0) human += 'no changes: the database already matches the file\n';
    else {
      human += diffText(diff, { lines: dryRun || diff.changes.length <= 50 });
      human += dryRun ? `${counts} (dry run: nothing written)\n` : `applied: ${counts.replaceAll('to ', '').replace('create', 'created').replace('update', 'updated').replace('remove', 'removed')}\n`;
    }
    const guard = outcome.guard;
    if (guard?.exceeded && !force) human += `refused without --force: ${guard.message}\n`;
    for (const note of outcome.notes) human += `note: ${note}\n`;
    return {
      exitCode: 0,
      json: {
        file,
        db: redactUrls(ctx.dbUrl),
        domain: outcome.domain,
        dryRun,
        prune,
        written: outcome.written,
        counts: diff.counts,
        changes: diff.changes.map((c) => ({ kind: c.kind, action: c.action, key: c.key.split('\u001f'), label: c.label, fields: c.fields, before: c.before, after: c.after })),
        remaining: outcome.remaining,
        prunes: guard ? { removed: guard.removed, stored: guard.stored, limit: guard.limit, needsForce: guard.exceeded } : null,
        notes: outcome.notes,
      },
      human,
    };
  });
};
