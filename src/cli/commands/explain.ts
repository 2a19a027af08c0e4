import { type Command, InvalidArgumentError, Option } from 'commander';
import { mkdirSync, writeFileSync } from 'node:fs';
import { endianness } from 'node:os';
import { basename, join } from 'node:path';
import { LABELS } from '../../data/labels.js';
import { DEFAULT_MAX_EVALS, DEFAULT_SAMPLES, EXPLAIN_METHODS, type FileExplanation, MASKERS, explainFiles, parseLabels } from '../../explain/explain-files.js';
import type { MaskerKind } from '../../explain/masker.js';
import { EXPLAIN_REFERENCES, EXPLAIN_REGIONS, type ExplainReference, type ExplainRegion } from '../../explain/region.js';
import { EXPLAIN_OUTPUTS, type ExplainMethod, type ExplainOutput } from '../../explain/types.js';
import { shapCaption, shapFigure } from '../../figures/shap.js';
import { intOption } from '../options.js';
import { progressBar } from '../progress.js';

interface ExplainFlags {
  model: string;
  labels: number[];
  method: ExplainMethod;
  samples: number;
  maxEvals: number;
  masker?: MaskerKind;
  output: ExplainOutput;
  region: ExplainRegion;
  reference: ExplainReference;
  out?: string;
  maps?: string;
  json?: boolean;
  threads?: number;
  seed: number;
}

function labelsOption(value: string): number[] {
  try {
    return parseLabels(value);
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message);
  }
}

/** A map as raw little-endian float32 bytes. */
function float32Le(map: Float32Array): Buffer {
  if (endianness() === 'LE') return Buffer.from(map.buffer, map.byteOffset, map.byteLength);
  const out = Buffer.alloc(map.length * 4);
  map.forEach((v, i) => out.writeFloatLE(v, i * 4));
  return out;
}

/** A SOPInstanceUID as a file name: path separators and other unsafe characters become '_'. */
function fileStem(sop: string): string {
  return sop.replace(/[^A-Za-z0-9._-]/g, '_');
}

function methodInfo(f: ExplainFlags): string {
  return f.method === 'gradient' ? `gradient SHAP (expected gradients), ${f.samples} samples` : `partition SHAP, ${f.maxEvals} evaluations, ${f.masker ?? 'blur'} masker`;
}

export function registerExplain(program: Command): void {
  program
    .command('explain')
    .description('explain the model on DICOM slices: per-pixel SHAP attributions for each label (figure like shap.image_plot, raw maps, JSON)')
    .requiredOption('--model <dir>', 'model folder (model.json, model.onnx, weights.safetensors), e.g. from ich train')
    .argument('<input...>', 'DICOM files or folders (scanned recursively)')
    .addOption(new Option('--labels <list>', `labels to explain: all, or a comma-separated list of ${LABELS.join(', ')}`).argParser(labelsOption).default(LABELS.map((_, i) => i), 'all'))
    .addOption(new Option('--method <name>', 'gradient (expected gradients over the training background) or partition (hierarchical masking)').choices(EXPLAIN_METHODS).default('gradient'))
    .option('--samples <n>', 'gradient: samples per slice', intOption('--samples'), DEFAULT_SAMPLES)
    .option('--max-evals <n>', 'partition: model evaluations per slice (shared by all requested labels: each evaluation gives all six outputs)', intOption('--max-evals'), DEFAULT_MAX_EVALS)
    .addOption(new Option('--masker <kind>', 'partition: how hidden regions are filled').choices(MASKERS))
    .addOption(new Option('--output <kind>', 'what the attributions explain: each label\'s probability, or its logit (log-odds, which does not saturate near 0 and 1)').choices(EXPLAIN_OUTPUTS).default('probability'))
    .addOption(new Option('--region <where>', 'where maps are kept: intracranial (inside the skull\'s inner table, found from the HU image; attribution elsewhere set to 0) or image').choices(EXPLAIN_REGIONS).default('intracranial'))
    .addOption(new Option('--reference <what>', 'what each slice is explained against: empty-head (the slice with its brain made uniform, where a skull is found) or default (gradient: the training background; partition: the masker)').choices(EXPLAIN_REFERENCES).default('empty-head'))
    .option('--out <dir>', 'write one figure per slice: DIR/<SOPInstanceUID>.png')
    .option('--maps <dir>', 'write each map as raw little-endian float32, N×N: DIR/<SOPInstanceUID>_<label>.f32')
    .option('--json', 'print one JSON object per slice and label: file, sop, label, probability, method, additivity_error, outside_share (share of |attribution| outside the region, set to 0 in the maps), outside_sum (its sum), seconds')
    .option('--threads <n>', 'ONNX Runtime threads', intOption('--threads'))
    .option('--seed <n>', 'seed of the sampling', intOption('--seed', 0), 1)
    .action(async (inputs: string[], f: ExplainFlags) => {
      if (f.method === 'gradient' && f.masker !== undefined) throw new Error('--masker applies to --method partition only');
      if (f.out) mkdirSync(f.out, { recursive: true });
      if (f.maps) mkdirSync(f.maps, { recursive: true });
      const bar = progressBar('explain', 'files');
      const summary: string[] = [];
      let worst = 0;
      const onFile = (file: FileExplanation) => {
        const n = Math.round(Math.sqrt(file.explanations[0]!.map.length));
        const png = f.out ? join(f.out, `${fileStem(file.sop)}.png`) : undefined;
        if (png) {
          const panels = file.explanations.map((e) => ({ label: LABELS[e.label]!, probability: e.probability, map: e.map }));
          writeFileSync(png, shapFigure(file.input, n, panels, { title: file.sop, info: `${basename(file.path)}  ·  ${methodInfo(f)}  ·  ${file.seconds.toFixed(1)} s`, colorbarCaption: shapCaption(f.output) }));
        }
        for (const e of file.explanations) {
          worst = Math.max(worst, Math.abs(e.additivityError));
          if (f.maps) writeFileSync(join(f.maps, `${fileStem(file.sop)}_${LABELS[e.label]}.f32`), float32Le(e.map));
          if (f.json) {
            bar.stop();
            process.stdout.write(
              JSON.stringify({ file: file.path, sop: file.sop, label: LABELS[e.label], probability: e.probability, method: e.method, additivity_error: e.additivityError, expected_sum: e.expectedSum, outside_share: e.outsideShare ?? null, outside_sum: e.outsideSum ?? null, seconds: e.seconds }) + '\n',
            );
          }
        }
        summary.push(`${file.sop}  ${file.explanations.map((e) => `${LABELS[e.label]} ${e.probability.toFixed(3)}`).join('  ')}  (${file.seconds.toFixed(1)} s)${png ? `  → ${png}` : ''}`);
      };
      const r = await explainFiles(f.model, inputs, {
        method: f.method,
        labels: f.labels,
        samples: f.samples,
        maxEvals: f.maxEvals,
        masker: f.masker,
        output: f.output,
        region: f.region,
        reference: f.reference,
        threads: f.threads,
        seed: f.seed,
        keep: false,
        onFile,
        onProgress: bar.update,
      });
      bar.stop();
      for (const x of r.rejected) process.stderr.write(`rejected ${x.path}: ${x.code}: ${x.reason}\n`);
      if (!f.json) {
        const perSlice = r.explained ? ` (${(r.seconds / r.explained).toFixed(1)} s per slice)` : '';
        process.stdout.write(
          [
            `explained ${r.explained} slice${r.explained === 1 ? '' : 's'} × ${r.labels.length} label${r.labels.length === 1 ? '' : 's'} with ${methodInfo(f)} in ${r.seconds.toFixed(1)} s${perSlice}`,
            `largest additivity error |Σ attributions − (f(x) − reference)|: ${worst.toExponential(2)}`,
            ...summary,
            ...(f.maps && r.explained ? [`maps: ${f.maps}/<SOPInstanceUID>_<label>.f32 (${r.size}×${r.size} float32, little-endian)`] : []),
            ...(r.rejected.length ? [`rejected ${r.rejected.length} file${r.rejected.length === 1 ? '' : 's'} (listed on stderr)`] : []),
          ].join('\n') + '\n',
        );
      }
      if (r.explained === 0) process.exitCode = 2;
    });
}
