import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readPolicyFile, syncPolicy, validatePolicy } from '@rowguard/policy';
import { expectPositionals, stringOption } from './cli-args.js';
import { redactUrls } from './cli-errors.js';
import type { Command } from './command-model.js';
import { withEngine } from './command-support.js';
import { buildDemoReport, renderDemoReport } from './demo-report.js';
import { cliReporter } from './progress-report.js';

/**
 * The demo's policy: the country-sales organisation, shipped with the CLI (a copy of `examples/country-sales`).
 *
 * @example
 * ```ts
 * readFileSync(DEMO_POLICY, 'utf8');
 * ```
 */
export const DEMO_POLICY = fileURLToPath(new URL('../policies/country-sales.yaml', import.meta.url));

/**
 * The demo's database unless `--db` is given (ROWGUARD_DB is deliberately not used: the demo writes).
 *
 * @example
 * ```ts
 * DEMO_DB; // 'sqlite:rowguard-demo.sqlite'
 * ```
 */
export const DEMO_DB = 'sqlite:rowguard-demo.sqlite';

/**
 * `rowguard demo [<policy-file>]`: applies the country-sales organisation (three countries, a manager each, team
 * leads, sales people and customers) to an embedded SQLite file, then prints for each person what they can see
 * per country and which contact sub-types they may create where, checks the walls between countries, and
 * explains one refusal in plain words. Every answer comes from the engine.
 *
 * @example
 * ```ts
 * await demoCommand(ctx); // human: the tables; json: { people: [...], walls: { hold: true }, refusal: {...} }
 * ```
 */
export const demoCommand: Command = async (ctx) => {
  const [file] = expectPositionals(ctx.args, 0, 'demo [<policy-file>] [--db <url>]', 1);
  const path = file ?? DEMO_POLICY;
  const validated = validatePolicy(await readPolicyFile(path), { domain: stringOption(ctx.args.values, 'domain') });
  const url = stringOption(ctx.args.values, 'db') ?? DEMO_DB;
  return withEngine(ctx, { requireSchema: false, declared: validated.policy.attributes, entityTypes: validated.policy.entityTypes, url }, async (open) => {
    const reporter = cliReporter(ctx.io, { quiet: ctx.args.values.quiet === true });
    const outcome = await syncPolicy(open.engine, validated, { prune: true, dryRun: false, force: true, actor: 'rowguard-demo', reporter });
    const domain = await open.engine.domain(outcome.domain);
    const report = await buildDemoReport(open.engine, domain, validated.policy);
    const rel = relative(process.cwd(), path);
    const shownPath = file ?? (rel.startsWith('..') ? path : rel);
    const first = report.people.find((p) => p.home !== null);
    const stranger = first ? [...validated.policy.contacts.values()].find((c) => c.attributes[report.groupBy] !== first.home && !c.deleted) : undefined;
    const applied = outcome.diff.changes.length === 0 ? 'already up to date' : `${outcome.diff.changes.length} changes applied`;
    const header = [
      'rowguard demo: the country-sales organisation (managers, team leads, sales people and customers, one country each)',
      `policy:   ${shownPath}`,
      `database: ${redactUrls(open.url)}, domain '${outcome.domain}' (${applied})`,
      '',
      `${report.people.length} people in ${report.values.length} ${report.groupBy === 'country' ? 'countries' : `${report.groupBy} values`} (${report.values.join(', ')}). For each person: how many contacts`,
      `of each ${report.groupBy} they can see, and which contact sub-types they may create where (- = no).`,
      '',
    ].join('\n');
    const dbFlag = url === DEMO_DB ? `--db ${DEMO_DB}` : '--db <url>';
    const hint =
      first && stranger
        ? `Explore: rowguard explain ${dbFlag} --domain ${outcome.domain} --as ${first.key} view ${stranger.key}\n`
        : '';
    const page = `Admin page (grant matrix, who can see a contact, audit log): rowguard serve ${dbFlag} --domain ${outcome.domain}\n  then open the one-time login link it prints (docs/admin-page.md)\n`;
    return {
      exitCode: 0,
      json: { policy: shownPath, db: redactUrls(open.url), domain: outcome.domain, applied: outcome.diff.counts, ...report },
      human: `${header}\n${renderDemoReport(report)}\n${hint}${page}`,
    };
  });
};
