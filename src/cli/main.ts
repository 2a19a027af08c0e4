#!/usr/bin/env node
import { Command } from 'commander';
import { registerInspect } from './commands/inspect.js';

const program = new Command('ich')
  .description('ichdetect: intracranial hemorrhage detection on head CT')
  .version('0.1.0')
  .showHelpAfterError();

registerInspect(program);

program.parseAsync(process.argv).catch((err: unknown) => {
  process.stderr.write(`ich: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
