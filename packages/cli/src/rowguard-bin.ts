#!/usr/bin/env node
import { runCli } from './cli-main.js';
import { processIo } from './cli-io.js';
import { EXIT, redactUrls } from './cli-errors.js';

// The `rowguard` binary. Exit codes: 0 ok / allowed, 1 denied, 2 bad input, 3 database error.
// Whatever escapes (a driver emitting an error nobody listens to, say) is an error, never "denied" (1).
const crash = (error: unknown) => {
  process.stderr.write(`rowguard: unexpected error: ${redactUrls(error instanceof Error ? error.message : String(error))}\n`);
  process.exit(EXIT.database);
};
process.on('uncaughtException', crash);
process.on('unhandledRejection', crash);
process.exitCode = await runCli(process.argv.slice(2), processIo(), process.env);
