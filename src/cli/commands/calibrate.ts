import type { Command } from 'commander';
import { calibrateStudies } from '../../evaluate/calibrate-model.js';
import { formatStudyEvaluation, studyEvaluationJson } from '../../evaluate/study.js';
import { progressBar } from '../progress.js';
import { type LabelledPartFlags, labelledPartOptions, partFlag } from './eval.js';

export function registerCalibrate(program: Command): void {
  labelledPartOptions(program.command('calibrate'), 'val')
    .description("fit the model's study-level calibration (Platt scaling of each label's maximum over a study's slices) on labelled studies and store it in model.json")
    .action(async (f: LabelledPartFlags) => {
      const bar = progressBar('predict', 'files');
      const r = await calibrateStudies(f.model, f.data, { labelsCsv: f.labels, part: partFlag(f.part), db: f.db, threads: f.threads, batch: f.batch, onProgress: bar.update });
      bar.stop();
      if (f.json) {
        process.stdout.write(JSON.stringify({ model: r.model, data: r.data, study: r.card, evaluation: studyEvaluationJson(r.evaluation), unlabelled: r.unlabelled, rejected: r.rejected, seconds: r.seconds }) + '\n');
        return;
      }
      const lines = [
        `model ${r.model}: study calibration fitted on ${r.card.fitted.studies} studies of the ${r.card.fitted.part} part${r.card.fitted.part === 'all' ? ' (every file under the data folder)' : ''}; written to model.json`,
        `files left out: ${r.rejected} rejected, ${r.unlabelled} unlabelled`,
        'p_calibrated = σ(a·logit(p_max) + b); AUC and log loss on the fitting studies, before (raw) and after (cal):',
        '',
        formatStudyEvaluation(r.evaluation, r.card.calibration),
      ];
      process.stdout.write(lines.join('\n') + '\n');
    });
}
