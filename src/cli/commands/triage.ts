import type { Command } from 'commander';
import { type TriageEntry, triageList } from '../../predict/triage.js';
import { predictFiles, type PredictResult } from '../../predict/predictor.js';
import { intOption } from '../options.js';
import { progressBar } from '../progress.js';

interface TriageFlags {
  model: string;
  json?: boolean;
  limit?: number;
  threads?: number;
  batch: number;
  conformance: boolean;
}

/** What the study probabilities are, in one line. */
function probabilityNote(r: PredictResult): string {
  const fitted = r.card.study?.fitted;
  return fitted
    ? `calibrated (Platt scaling of each label's maximum over the slices, fitted on ${fitted.studies} studies of the ${fitted.part} part)`
    : 'NOT calibrated: the maximum over each study\'s slices (run ich calibrate)';
}

export function registerTriage(program: Command): void {
  program
    .command('triage')
    .description('predict DICOM files or folders and list their studies most urgent first: P(any), the most likely subtype, the key slice')
    .requiredOption('--model <dir>', 'model folder (model.json, model.onnx), e.g. from ich train')
    .argument('<input...>', 'DICOM files or folders (scanned recursively)')
    .option('--json', 'print one JSON object')
    .option('--limit <n>', 'list only the N most urgent studies (default: all)', intOption('--limit'))
    .option('--threads <n>', 'decoding worker threads (default: one per core; 0: main thread)', intOption('--threads', 0))
    .option('--batch <n>', 'slices per inference batch', intOption('--batch'), 32)
    .option('--no-conformance', 'analyse every usable slice, whatever its header says (no input conformance check)')
    .action(async (inputs: string[], f: TriageFlags) => {
      const bar = progressBar('predict', 'files');
      const r = await predictFiles(f.model, inputs, { threads: f.threads, batch: f.batch, conformance: f.conformance, onProgress: bar.update });
      bar.stop();
      const list = triageList(r.studies).slice(0, f.limit);
      if (f.json) {
        const byUid = new Map(r.studies.map((s) => [s.studyInstanceUID, s]));
        const entries = list.map((e) => {
          const s = byUid.get(e.studyInstanceUID)!;
          return { ...e, calibrated: s.calibrated ?? null, raw: s.perLabel, drivers: s.drivers, assessment: s.assessment };
        });
        process.stdout.write(JSON.stringify({ model: r.model, calibrated: r.card.study !== undefined, study_aggregation: r.studyAggregation, studies: entries, not_analysed: r.notAnalysed, slices: r.slices.length, left_out: r.leftOut.length, rejected: r.rejected }) + '\n');
      } else {
        const row = (e: TriageEntry) => `${String(e.rank).padStart(4)}  ${e.studyInstanceUID.padEnd(40)} ${e.any.toFixed(4)}  ${e.topSubtype.label.padEnd(16)} ${e.topSubtype.probability.toFixed(4)}  ${e.keySlice.sop}${e.reason ? `  (${e.reason})` : ''}`;
        const apart = list.filter((e) => e.status === 'not-assessed');
        const lines = [
          `model ${r.model}: ${r.studies.length} studies, ${r.slices.length} slices, ${r.leftOut.length} slices left out (input conformance), ${r.rejected.length} files rejected`,
          `probabilities: ${probabilityNote(r)}`,
          '',
          `${'rank'.padStart(4)}  ${'study'.padEnd(40)} ${'P(any)'.padStart(6)}  ${'top subtype'.padEnd(16)} ${'P'.padStart(6)}  key slice`,
          ...list.filter((e) => e.status !== 'not-assessed').map(row),
          ...(list.length < r.studies.length ? [`… ${r.studies.length - list.length} more studies`] : []),
          ...(apart.length > 0 ? ['', `not assessed (mostly out of the model's training distribution; listed apart, their probabilities are not a triage):`, ...apart.map(row)] : []),
          ...(r.notAnalysed.length > 0 ? ['', 'not analysed (no slice conforms):', ...r.notAnalysed.map((s) => `      ${s.studyInstanceUID.padEnd(40)} ${s.reason}`)] : []),
        ];
        process.stdout.write(lines.join('\n') + '\n');
      }
      if (r.slices.length === 0) process.exitCode = 2;
    });
}
