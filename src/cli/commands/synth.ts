import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import { synthesize } from '../../data/phantom/synth.js';
import { intOption, pct } from '../options.js';
import { progressBar } from '../progress.js';

interface SynthFlags {
  out: string;
  studies: number;
  seed: number;
  size: number;
  positiveShare: number;
  compress: boolean;
  corrupt: number;
  threads?: number;
  preview?: string;
  json?: boolean;
}

function shareOption(value: string): number {
  const n = Number(value);
  if (!(n >= 0 && n <= 1)) throw new InvalidArgumentError('--positive-share must be a number in [0, 1]');
  return n;
}

export function registerSynth(program: Command): void {
  program
    .command('synth')
    .description('write a synthetic head-CT phantom data set: RSNA-layout DICOM slices, labels.csv and ground-truth masks')
    .requiredOption('--out <dir>', 'output folder (images/, labels.csv, masks/)')
    .option('--studies <n>', 'number of studies', intOption('--studies'), 40)
    .option('--seed <n>', 'random seed: the same seed gives the same files', intOption('--seed', 0), 1)
    .option('--size <n>', 'image side in pixels', intOption('--size', 64), 512)
    .option('--positive-share <p>', 'target share of slices with a bleed (RSNA: about 0.14)', shareOption, 0.14)
    .option('--style <a|b>', "phantom style: a (default) or b, another look (head outlines, skulls, noise grain, bleed densities, falx calcification, motion) to train on one and test on the other", 'a')
    .option('--no-compress', 'store every study uncompressed (by default a third use RLE, JPEG-LS or JPEG lossless)')
    .option('--corrupt <k>', 'truncate K files after writing them (RSNA had one broken file)', intOption('--corrupt', 0), 1)
    .option('--threads <n>', 'worker threads (default: one per core)', intOption('--threads'))
    .option('--preview <out.png>', 'also draw a montage: one row per subtype, brain and subdural windows, mask outlines')
    .option('--json', 'print one JSON object')
    .action(async (flags: SynthFlags) => {
      const bar = progressBar('phantoms', 'studies');
      const s = await synthesize({ ...flags, onProgress: (_slices, studies, done) => bar.update(done, studies) });
      bar.stop();
      if (flags.preview) {
        const { writePhantomPreview } = await import('../../data/phantom/preview.js');
        await writePhantomPreview(flags.out, flags.preview);
      }
      if (flags.json) {
        process.stdout.write(JSON.stringify({ ...s, preview: flags.preview }) + '\n');
        return;
      }
      process.stdout.write(
        [
          `wrote     ${s.out}: ${s.studies} studies, ${s.slices} slices in ${s.seconds.toFixed(1)} s (${(s.slices / s.seconds).toFixed(0)} slices/s)`,
          `positive  ${s.positiveSlices} slices (${pct(s.positiveSlices / s.slices)})`,
          `storage   ${Object.entries(s.storage).map(([k, n]) => `${k} ×${n}`).join(', ')}`,
          `corrupted ${s.corrupted.length ? s.corrupted.join(', ') : 'none'}`,
          ...(flags.preview ? [`preview   ${flags.preview}`] : []),
        ].join('\n') + '\n',
      );
    });
}
