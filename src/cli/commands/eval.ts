import type { Command } from 'commander';
import { evaluateModel, modelEvaluationJson, writeEvaluationReport } from '../../evaluate/evaluate-model.js';
import { formatEvaluation } from '../../evaluate/report.js';
import { formatStudyEvaluation } from '../../evaluate/study.js';
import type { Part } from '../../data/split.js';
import { intOption, pct } from '../options.js';
import { progressBar } from '../progress.js';

/** The flags `ich eval` and `ich calibrate` share: a model folder and labelled slices of a data folder. */
export interface LabelledPartFlags {
  model: string;
  data: string;
  labels?: string;
  part?: string;
  db?: string;
  json?: boolean;
  threads?: number;
  batch: number;
}

interface EvalFlags extends LabelledPartFlags {
  report?: string;
}

/** Declares the shared flags (`--part`'s default described by `partDefault`). */
export function labelledPartOptions(command: Command, partDefault: string): Command {
  return command
    .requiredOption('--model <dir>', 'model folder (model.json, model.onnx), e.g. from ich train')
    .requiredOption('--data <dir>', 'folder of DICOM slices')
    .option('--labels <csv>', 'RSNA labels CSV (default DIR/labels.csv)')
    .option('--part <part>', `test, val, train or all (default: ${partDefault})`)
    .option('--db <file>', 'index database (default DIR/.ich/index.db)')
    .option('--json', 'print one JSON object')
    .option('--threads <n>', 'decoding worker threads (default: one per core; 0: main thread)', intOption('--threads', 0))
    .option('--batch <n>', 'slices per inference batch', intOption('--batch'), 32);
}

/** The `--part` flag checked: a split part or `all`. */
export function partFlag(part: string | undefined): Part | 'all' | undefined {
  if (part !== undefined && !['test', 'val', 'train', 'all'].includes(part)) throw new Error(`--part ${part}: expected test, val, train or all`);
  return part as Part | 'all' | undefined;
}

export function registerEval(program: Command): void {
  labelledPartOptions(program.command('eval'), "test when DIR's index has a split, else all")
    .description('evaluate a model folder on labelled slices: RSNA weighted log loss against the prevalence-only baseline, per-label AUC, sensitivity/specificity, calibration; per study too')
    .option('--report <dir>', 'write roc.png, calibration.png and report.json into DIR')
    .action(async (f: EvalFlags) => {
      const bar = progressBar('predict', 'files');
      const e = await evaluateModel(f.model, f.data, { labelsCsv: f.labels, part: partFlag(f.part), db: f.db, threads: f.threads, batch: f.batch, onProgress: bar.update });
      bar.stop();
      const written = f.report ? writeEvaluationReport(f.report, e) : [];
      if (f.json) {
        process.stdout.write(JSON.stringify(modelEvaluationJson(e)) + '\n');
        return;
      }
      const source = e.selection === 'scan' ? `every file under ${e.data}` : `the ${e.part} part of the index's split`;
      const lines = [
        `model ${e.model}; slices: ${source}`,
        `files ${e.files}: predicted ${e.predicted}, rejected ${e.rejected.length}, left out (input conformance) ${e.leftOut}, unlabelled ${e.unlabelled.length}`,
        e.ood
          ? `out of distribution: ${e.ood.flagged} of ${e.ood.slices} labelled slices (${pct(e.ood.share)}; ${e.ood.flaggedPositives} of ${e.ood.positives} 'any' positives), ood_score > ${e.ood.threshold.toFixed(3)}; they stay in the figures below`
          : 'out of distribution: the model has no OOD score',
        ...e.rejected.slice(0, 10).map((r) => `  ${r.path}: ${r.code}: ${r.reason}`),
        ...(e.rejected.length > 10 ? [`  … ${e.rejected.length - 10} more`] : []),
        `baseline prevalence: ${e.baselinePrevalence === 'train-part' ? "the train part's" : "the evaluated set's own"}`,
        '',
        formatEvaluation(e.report),
        '',
        formatStudyEvaluation(e.study),
        ...(written.length ? ['', `report: ${written.join(', ')}`] : []),
      ];
      process.stdout.write(lines.join('\n') + '\n');
    });
}
