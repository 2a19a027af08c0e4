#!/usr/bin/env node
import { Command } from 'commander';
import { DEFAULT_LIMITS, setDicomLimits } from '../dicom/limits.js';
import { registerCalibrate } from './commands/calibrate.js';
import { registerEval } from './commands/eval.js';
import { registerExplain } from './commands/explain.js';
import { registerIndex } from './commands/index-cmd.js';
import { registerInspect } from './commands/inspect.js';
import { registerPredict } from './commands/predict.js';
import { registerQueue } from './commands/queue.js';
import { registerPreprocess } from './commands/preprocess.js';
import { registerSplit } from './commands/split.js';
import { registerStats } from './commands/stats.js';
import { registerSynth } from './commands/synth.js';
import { registerTrain } from './commands/train.js';
import { registerTriage } from './commands/triage.js';
import { registerCompareOptimizers } from './commands/compare-optimizers.js';
import { registerServe } from './commands/serve.js';
import { registerPacs } from './commands/pacs.js';

const program = new Command('ich')
  .description('ichdetect: intracranial hemorrhage detection on head CT')
  .version('0.1.0')
  .showHelpAfterError()
  .option('--dicom-limits <spec>', `largest image accepted, e.g. rows=8192,frames=4000 (defaults ${Object.entries(DEFAULT_LIMITS).map(([k, v]) => `${k === 'inflatedMb' ? 'inflated-mb' : k}=${v}`).join(',')})`)
  .hook('preAction', (cmd) => {
    const spec = cmd.opts<{ dicomLimits?: string }>().dicomLimits;
    if (spec !== undefined) setDicomLimits(spec);
  });

registerSynth(program);
registerInspect(program);
registerIndex(program);
registerStats(program);
registerSplit(program);
registerPreprocess(program);
registerTrain(program);
registerCompareOptimizers(program);
registerEval(program);
registerCalibrate(program);
registerPredict(program);
registerTriage(program);
registerExplain(program);
registerQueue(program);
registerServe(program);
registerPacs(program);

program.parseAsync(process.argv).catch((err: unknown) => {
  process.stderr.write(`ich: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
