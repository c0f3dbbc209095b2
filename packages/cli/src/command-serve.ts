import { userInfo } from 'node:os';
import type * as ServerPackage from '@rowguard/server';
import { createRowguard, type SubjectInput } from '@rowguard/core';
import { stringOption } from './cli-args.js';
import { CliError, EXIT, redactUrls } from './cli-errors.js';
import type { Command } from './command-model.js';
import { domainName, subjectChoice, withEngine } from './command-support.js';
import { openDomain } from './engine-open.js';
import { subjectRef } from './subject-ref.js';

/** The permission the page needs (the engine decides it for the person signed in). */
const PAGE_PERMISSION = 'administer CRM';

/**
 * The host user the standalone page signs the operator in as, when no `--as` / `--user` is given: whoever opens
 * the one-time login link printed on this machine. The CLI, as the host, grants it the page's permission through
 * the engine's permission provider, so the engine still makes the decision.
 */
const OPERATOR_USER = 'rowguard-serve:operator';

/** Resolves when the process is asked to stop (Ctrl-C, SIGTERM). */
function stopSignal(): Promise<string> {
  return new Promise((resolve) => {
    const on = (signal: string) => () => resolve(signal);
    process.once('SIGINT', on('SIGINT'));
    process.once('SIGTERM', on('SIGTERM'));
  });
}

/**
 * Loads the admin page's package, an optional peer of the CLI: a host that never serves the page does not install it.
 *
 * @example
 * ```ts
 * const { startAdminServer } = await loadServerPackage(); // CliError 'missing_package' (exit 3) when not installed
 * ```
 */
async function loadServerPackage(): Promise<typeof ServerPackage> {
  try {
    return await import('@rowguard/server');
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    if (code === 'ERR_MODULE_NOT_FOUND' && err instanceof Error && err.message.includes('@rowguard/server')) {
      throw new CliError('missing_package', "the admin page's package is not installed: npm install @rowguard/server (rowguard serve needs it)", EXIT.database);
    }
    throw err;
  }
}

/**
 * `rowguard serve --db URL [--domain D] [--port P] [--as <contact-key> | --user <id>]`: the admin page on
 * 127.0.0.1. Prints a one-time login link (a random token, exchanged for a session cookie) and serves until
 * stopped. Without `--as`/`--user` the person signed in is the operator of this machine, to whom the CLI grants
 * `administer CRM`; with them, the page acts as that person and the policy decides whether they may use it.
 *
 * @example
 * ```ts
 * await serveCommand(ctx); // prints `open http://127.0.0.1:7357/login?token=...` and serves until Ctrl-C
 * ```
 */
export const serveCommand: Command = async (ctx) => {
  if (ctx.args.positionals.length > 0) throw new CliError('usage', 'usage: rowguard serve --db <url> [--domain <name>] [--port <n>] [--as <contact-key> | --user <id>]', EXIT.badInput);
  const portText = stringOption(ctx.args.values, 'port') ?? '7357';
  const port = Number(portText);
  if (!/^\d{1,5}$/.test(portText) || port > 65_535) throw new CliError('usage', `--port must be a port number (0-65535), not '${portText}'`, EXIT.badInput);
  const { startAdminServer } = await loadServerPackage();
  return withEngine(ctx, { requireSchema: true }, async (open) => {
    const name = domainName(ctx);
    const choice = subjectChoice(ctx);
    let subject: SubjectInput = { userId: OPERATOR_USER };
    let actor = `rowguard serve (${userInfo().username})`;
    if (choice.as !== undefined || choice.user !== undefined) {
      const who = await subjectRef(open.engine, await openDomain(open.engine, name, { create: false }), choice);
      subject = who.input;
      actor = `${who.label} (rowguard serve)`;
    } else {
      await openDomain(open.engine, name, { create: false });
    }
    // The same engine settings, with the operator's permission from the host (the CLI) side.
    const engine = createRowguard({
      ...open.engine.config,
      db: open.engine.db,
      dialect: open.engine.dialect,
      permissionProvider: ({ userId }) => (userId === OPERATOR_USER ? [PAGE_PERMISSION] : []),
      onError: (error) => console.error('[rowguard serve]', error instanceof Error ? error.message : error),
    });
    const server = await startAdminServer({ engine, domain: name, port, person: { subject, actor }, permission: PAGE_PERMISSION });
    ctx.io.out(
      [
        `rowguard admin page for domain '${name}' on ${redactUrls(open.url)}`,
        `listening on ${server.url} (this machine only)`,
        '',
        `open this one-time login link (it works once; restart for a new one):`,
        `  ${server.loginUrl}`,
        '',
        `signed-in person: ${actor}; Ctrl-C to stop`,
        '',
      ].join('\n'),
    );
    const signal = await stopSignal();
    await server.close();
    return { exitCode: EXIT.ok, json: { url: server.url, stopped: signal }, human: `stopped (${signal})\n` };
  });
};
