import { readPolicyFile, validatePolicy } from '@rowguard/policy';
import { expectPositionals } from './cli-args.js';
import type { Command } from './command-model.js';
import { withEngine } from './command-support.js';
import { redactUrls } from './cli-errors.js';

/**
 * `rowguard migrate [<policy-file>]`: creates or upgrades the engine's schema; with a policy file, also adds a
 * column for every attribute it declares. Idempotent.
 *
 * @example
 * ```ts
 * await migrateCommand(ctx); // { exitCode: 0, json: { migrated: true, ... } }
 * ```
 */
export const migrateCommand: Command = async (ctx) => {
  const [file] = expectPositionals(ctx.args, 0, 'migrate [<policy-file>]', 1);
  const policy = file === undefined ? undefined : validatePolicy(await readPolicyFile(file)).policy;
  return withEngine(ctx, { requireSchema: false, declared: policy?.attributes, ...(policy ? { entityTypes: policy.entityTypes } : {}) }, async (open) => {
    await open.engine.migrate();
    const attributes = Object.fromEntries([...open.attributes].map(([name, type]) => [name, type]));
    const list = Object.entries(attributes).map(([n, t]) => `${n} (${t})`).join(', ');
    return {
      exitCode: 0,
      json: { db: redactUrls(open.url), dialect: open.engine.dialect, createdSchema: !open.hasSchema, attributes },
      human: `${open.hasSchema ? 'schema up to date' : 'schema created'} in ${redactUrls(open.url)} (${open.engine.dialect})${list ? `; contact attributes: ${list}` : ''}\n`,
    };
  });
};
