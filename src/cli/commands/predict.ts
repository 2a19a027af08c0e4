import type { Command } from 'commander';
import { writeFileSync } from 'node:fs';
import { extname } from 'node:path';
import { LABELS } from '../../data/labels.js';
import { predictFiles, type PredictResult } from '../../predict/predictor.js';
import { formatSlicesCsv, formatStudiesCsv, formatSubmission } from '../../predict/output.js';
import { intOption } from '../options.js';
import { progressBar } from '../progress.js';

interface PredictFlags {
  model: string;
  out?: string;
  studies?: string;
  slices?: string;
  conformance: boolean;
  json?: boolean;
  threads?: number;
  batch: number;
}

function countBy<T>(items: readonly T[], key: (t: T) => string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const t of items) out[key(t)] = (out[key(t)] ?? 0) + 1;
  return out;
}

/** For models that read series: how many series were assembled and what was odd about them. */
function seriesLines(r: PredictResult, limit: number): string[] {
  if (!r.series) return [];
  const problems = r.series.flatMap((s) => s.problems.map((p) => `  ${s.seriesInstanceUID}: ${p.kind}: ${p.detail}`));
  return [`series    ${r.series.length} assembled along the slice normal; ${problems.length} problems (reported, not fatal)`, ...problems.slice(0, limit), ...(problems.length > limit ? [`  … ${problems.length - limit} more`] : [])];
}

/** Slices left out for failing conformance, slices out of distribution, studies not analysed. */
function assessmentLines(r: PredictResult, limit: number): string[] {
  const flagged = r.slices.filter((s) => s.ood?.flagged).length;
  const ood = r.card.ood ? `; ${flagged} of ${r.slices.length} analysed slices out of the training distribution (ood_score > ${r.card.ood.threshold.toFixed(3)})` : '; no out-of-distribution score (the model was trained before ichdetect fitted one)';
  return [
    `left out ${r.leftOut.length} slices failing input conformance${ood}`,
    ...r.leftOut.slice(0, limit).map((s) => `  ${s.path}: ${s.failures.map((x) => x.code).join(', ')}: ${s.failures[0]!.message}`),
    ...(r.leftOut.length > limit ? [`  … ${r.leftOut.length - limit} more`] : []),
    ...r.notAnalysed.map((s) => `not analysed: study ${s.studyInstanceUID}: ${s.reason}`),
  ];
}

function summaryText(r: PredictResult, limit = 20): string {
  const lines = [
    `predicted ${r.slices.length} slices of ${r.studies.length} studies in ${r.seconds.toFixed(1)} s (${(r.slices.length / Math.max(r.seconds, 1e-9)).toFixed(0)} slices/s)`,
    `rejected  ${r.rejected.length}${r.skipped.length ? `; skipped ${r.skipped.length} non-DICOM files` : ''}`,
    ...r.rejected.slice(0, limit).map((f) => `  ${f.path}: ${f.code}: ${f.reason}`),
    ...(r.rejected.length > limit ? [`  … ${r.rejected.length - limit} more`] : []),
    ...seriesLines(r, limit),
    ...assessmentLines(r, limit),
    '',
    `studies (study-level probability = maximum over its slices${r.card.study ? ', Platt-calibrated' : ''}), most urgent first:`,
    `${'study'.padEnd(28)} ${'slices'.padStart(6)} ${LABELS.map((l) => l.slice(0, 8).padStart(8)).join(' ')}  top slice`,
  ];
  for (const s of r.studies.slice(0, limit)) {
    const uid = s.studyInstanceUID.length > 28 ? `…${s.studyInstanceUID.slice(-27)}` : s.studyInstanceUID;
    const apart = s.assessment?.status === 'not-assessed' ? '  NOT ASSESSED' : '';
    lines.push(`${uid.padEnd(28)} ${String(s.slices).padStart(6)} ${LABELS.map((l) => (s.calibrated ?? s.perLabel)[l].toFixed(3).padStart(8)).join(' ')}  ${s.topSlice.sop}${apart}`);
  }
  if (r.studies.length > limit) lines.push(`… ${r.studies.length - limit} more studies (--studies FILE writes them all)`);
  return lines.join('\n') + '\n';
}

export function registerPredict(program: Command): void {
  program
    .command('predict')
    .description('predict every slice of DICOM files or folders: the RSNA submission (ID,Label) and a per-study summary')
    .requiredOption('--model <dir>', 'model folder (model.json, model.onnx), e.g. from ich train')
    .argument('<input...>', 'DICOM files or folders (scanned recursively)')
    .option('--out <file>', 'write the submission CSV here (default: stdout; the summary then goes to stderr)')
    .option('--studies <file>', 'write the per-study summary to FILE (.json: JSON, otherwise CSV)')
    .option('--slices <file>', 'write one CSV row per slice: probabilities, ood_score, ood, conformance (left-out slices too)')
    .option('--no-conformance', 'analyse every usable slice, whatever its header says (no input conformance check)')
    .option('--json', 'print the summary as one JSON object on stdout (needs --out)')
    .option('--threads <n>', 'decoding worker threads (default: one per core; 0: main thread)', intOption('--threads', 0))
    .option('--batch <n>', 'slices per inference batch', intOption('--batch'), 32)
    .action(async (inputs: string[], f: PredictFlags) => {
      if (f.json && !f.out) throw new Error('--json prints the summary on stdout: give --out FILE.csv for the submission');
      const bar = progressBar('predict', 'files');
      const r = await predictFiles(f.model, inputs, { threads: f.threads, batch: f.batch, conformance: f.conformance, onProgress: bar.update });
      bar.stop();
      const submission = formatSubmission(r.slices);
      if (f.out) writeFileSync(f.out, submission);
      else process.stdout.write(submission);
      if (f.studies) {
        const studiesJson = { studyAggregation: r.studyAggregation, studies: r.studies, notAnalysed: r.notAnalysed };
        writeFileSync(f.studies, extname(f.studies).toLowerCase() === '.json' ? JSON.stringify(studiesJson, null, 2) + '\n' : formatStudiesCsv(r));
      }
      if (f.slices) writeFileSync(f.slices, formatSlicesCsv(r));
      if (f.json) {
        process.stdout.write(
          JSON.stringify({
            model: r.model,
            out: f.out,
            slices: r.slices.length,
            rows: r.slices.length * LABELS.length,
            studies: r.studies,
            study_aggregation: r.studyAggregation,
            rejected: r.rejected,
            left_out: r.leftOut,
            not_analysed: r.notAnalysed,
            out_of_distribution: r.slices.filter((s) => s.ood?.flagged).length,
            ...(r.series ? { series: r.series } : {}),
            reasons: countBy(r.rejected, (x) => x.code),
            skipped: r.skipped.length,
            seconds: r.seconds,
          }) + '\n',
        );
      } else {
        (f.out ? process.stdout : process.stderr).write((f.out ? `submission ${f.out} (${r.slices.length * LABELS.length} rows)\n` : '') + summaryText(r));
      }
      if (r.slices.length === 0) process.exitCode = 2;
    });
}
