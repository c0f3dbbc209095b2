#!/usr/bin/env node
import { runCli } from './cli-main.js';
import { processIo } from './cli-io.js';

// The `rowguard` binary. Exit codes: 0 ok / allowed, 1 denied, 2 bad input, 3 database error.
process.exitCode = await runCli(process.argv.slice(2), processIo(), process.env);
