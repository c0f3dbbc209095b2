import { writeFile } from 'node:fs/promises';
import { exportDomain, policyToText } from '@rowguard/policy';
import { expectPositionals, stringOption } from './cli-args.js';
import { CliError, EXIT, redactUrls } from './cli-errors.js';
import type { Command } from './command-model.js';
import { domainName, withEngine } from './command-support.js';
import { openDomain } from './engine-open.js';
import { cliReporter } from './progress-report.js';

/**
 * `rowguard export [--out <file>] [--format yaml|json]`: writes the domain's policy as a policy file (YAML by
 * default; JSON for `.json` files, `--format json` or `--json`). Applying the export to the same database
 * changes nothing.
 *
 * @example
 * ```ts
 * await exportCommand(ctx); // human: the YAML text
 * ```
 */
export const exportCommand: Command = async (ctx) => {
  expectPositionals(ctx.args, 0, 'export [--out <file>] [--format yaml|json]');
  const out = stringOption(ctx.args.values, 'out');
  const format = stringOption(ctx.args.values, 'format');
  if (format !== undefined && format !== 'yaml' && format !== 'json') throw new CliError('usage', '--format must be yaml or json', EXIT.badInput);
  return withEngine(ctx, { requireSchema: true }, async (open) => {
    const domain = await openDomain(open.engine, domainName(ctx), { create: false });
    const { policy, warnings } = await exportDomain(open.engine, domain, { reporter: cliReporter(ctx.io, { quiet: ctx.args.values.quiet === true }) });
    const counts = {
      contacts: policy.contacts?.length ?? 0,
      groups: policy.groups?.length ?? 0,
      roles: policy.roles?.length ?? 0,
      entries: policy.entries?.length ?? 0,
    };
    if (out !== undefined) {
      const fileFormat = format ?? (/\.json$/i.test(out) ? 'json' : 'yaml');
      await writeFile(out, policyToText(policy, fileFormat), 'utf8');
      return {
        exitCode: 0,
        json: { db: redactUrls(open.url), domain: domain.name, out, format: fileFormat, counts, warnings },
        human: `exported domain '${domain.name}' to ${out}: ${counts.contacts} contacts, ${counts.groups} groups, ${counts.roles} roles, ${counts.entries} entries\n`,
      };
    }
    return { exitCode: 0, json: policy as Record<string, unknown>, bare: true, human: policyToText(policy, format === 'json' ? 'json' : 'yaml') };
  });
};
