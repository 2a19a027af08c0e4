import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { DicomError } from '../../dicom/errors.js';
import { loadSlice } from '../../dicom/load.js';
import { formatSummary, summarizeSlice } from '../../dicom/summary.js';

export function registerInspect(program: Command): void {
  program
    .command('inspect')
    .description('show the header, Hounsfield-unit statistics and quirks of one DICOM file')
    .argument('<file>', 'DICOM file')
    .option('--json', 'print one JSON object')
    .option('--hu <out.f32>', 'write the HU image as raw little-endian float32, rows × columns, row-major')
    .option('--png <out.png>', 'write a figure: stored values, HU, each window (brain, subdural, soft) and the stacked RGB input')
    .action(async (file: string, opts: { json?: boolean; hu?: string; png?: string }) => {
      const slice = await loadSlice(file).catch((err: unknown) => {
        throw new Error(`${file}: ${err instanceof DicomError ? err.reason : String(err)}`);
      });
      const summary = summarizeSlice(slice);
      if (opts.png) {
        // Loaded on demand: the canvas library costs start-up time every other command need not pay.
        const { writePng, inspectFigure } = await import('../../figures/index.js');
        writePng(opts.png, inspectFigure(slice));
      }
      if (opts.hu) writeFileSync(opts.hu, new Uint8Array(slice.hu.buffer, slice.hu.byteOffset, slice.hu.byteLength));
      process.stdout.write(opts.json ? JSON.stringify(summary) + '\n' : formatSummary(summary) + '\n');
    });
}
