#!/usr/bin/env -S node --import tsx
// The `cairn` command: finds the subcommand in the table (app/commands/table.ts) and hands over.
// No logic lives here; each command is a module under app/commands/ (the same verbs as Consul's).
import { processIo } from './commands/http-api.ts';
import { runCairn } from './commands/table.ts';

process.exitCode = await runCairn(process.argv.slice(2), processIo);
