import type { Command } from 'commander';
import { calibrateStudies } from '../../evaluate/calibrate-model.js';
import { formatStudyEvaluation, studyEvaluationJson } from '../../evaluate/study.js';
import { readModelCard } from '../../models/folder.js';
import { describeOodThreshold } from '../../models/ood.js';
import { calibrateOod } from '../../train/ood-fit.js';
import { shareOption } from '../options.js';
import { progressBar } from '../progress.js';
import { type LabelledPartFlags, labelledPartOptions, partFlag } from './eval.js';

export function registerCalibrate(program: Command): void {
  labelledPartOptions(program.command('calibrate'), 'val')
    .description("fit the model's study-level calibration (Platt scaling of each label's maximum over a study's slices) on labelled studies, and its out-of-distribution threshold on the train and val slices, and store them in model.json")
    .option('--ood-share <x>', "share of the train and val slices the out-of-distribution threshold flags (default: the card's)", shareOption('--ood-share'))
    .action(async (f: LabelledPartFlags & { oodShare?: number }) => {
      const bar = progressBar('predict', 'files');
      const r = await calibrateStudies(f.model, f.data, { labelsCsv: f.labels, part: partFlag(f.part), db: f.db, threads: f.threads, batch: f.batch, onProgress: bar.update });
      bar.stop();
      const oodBar = progressBar('ood', 'slices');
      const ood = readModelCard(f.model).ood ? await calibrateOod(f.model, f.data, { db: f.db, labelsCsv: f.labels, threads: f.threads, share: f.oodShare, onProgress: oodBar.update }) : undefined;
      oodBar.stop();
      if (f.oodShare !== undefined && !ood) throw new Error(`--ood-share: ${f.model} has no out-of-distribution score (trained before ichdetect fitted one)`);
      if (f.json) {
        process.stdout.write(JSON.stringify({ model: r.model, data: r.data, study: r.card, ood: ood ?? null, evaluation: studyEvaluationJson(r.evaluation), unlabelled: r.unlabelled, rejected: r.rejected, seconds: r.seconds }) + '\n');
        return;
      }
      const lines = [
        ood
          ? `out-of-distribution threshold ${describeOodThreshold(ood, 4)}; written to model.json`
          : 'out-of-distribution score: none in this model',
        `model ${r.model}: study calibration fitted on ${r.card.fitted.studies} studies of the ${r.card.fitted.part} part${r.card.fitted.part === 'all' ? ' (every file under the data folder)' : ''}; written to model.json`,
        `files left out: ${r.rejected} rejected, ${r.unlabelled} unlabelled`,
        'p_calibrated = σ(a·logit(p_max) + b); AUC and log loss on the fitting studies, before (raw) and after (cal):',
        '',
        formatStudyEvaluation(r.evaluation, r.card.calibration),
      ];
      process.stdout.write(lines.join('\n') + '\n');
    });
}
