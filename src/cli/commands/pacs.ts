import type { Command } from 'commander';
import { triageAny } from '../../predict/studies.js';
import { DEFAULT_OVERLAY_SAMPLES } from '../../serve/attributions.js';
import { pacsPull, type PullOptions } from '../../serve/pacs.js';
import { intOption } from '../options.js';
import { progressBar } from '../progress.js';

type PullFlags = Omit<PullOptions, 'onStudy'> & { json?: boolean };

export function registerPacs(program: Command): void {
  const pacs = program.command('pacs').description('work with a PACS over DICOMweb');
  pacs
    .command('pull')
    .description('find CT studies (QIDO-RS), retrieve them (WADO-RS) and analyse them; results in OUT/results/, studies listed most urgent first; with --push, store each result back (STOW-RS, or C-STORE with --push dimse://AET@host:port): a TID 1500 SR, a Parametric Map of the attributions, a Key Object Selection and a Secondary Capture of the key slice')
    .requiredOption('--url <url>', 'DICOMweb root, e.g. http://127.0.0.1:8042/dicom-web')
    .requiredOption('--model <dir>', 'model folder (model.json, model.onnx)')
    .option('--study <uid>', 'one study (default: every CT study)')
    .option('--since <date>', 'only studies on or after this date (YYYYMMDD or YYYY-MM-DD)')
    .option('--out <dir>', 'retrieved instances and results', '.ich-pacs')
    .option('--token <t>', 'bearer token for the PACS')
    .option('--threads <n>', 'decoding and inference threads', intOption('--threads', 0))
    .option('--push [dimse://AET@host:port]', 'store each analysed study\'s results back (not for diagnostic use): into the PACS by STOW-RS, or by C-STORE to the DIMSE peer given')
    .option('--ae-title <aet>', 'our calling AE title for a DIMSE push', 'ICHDETECT')
    .option('--overlay-samples <n>', 'expected-gradient samples of the pushed overlay', intOption('--overlay-samples'), DEFAULT_OVERLAY_SAMPLES)
    .option('--json', 'print the pulled studies as one JSON object')
    .action(async (f: PullFlags) => {
      if (f.study && f.since) throw new Error('--study and --since exclude each other');
      const bar = progressBar('pull', 'studies');
      const studies = await pacsPull({ ...f, onStudy: (_uid, done, total) => bar.update(done, total) });
      bar.stop();
      if (f.json) {
        process.stdout.write(`${JSON.stringify({ studies: studies.map((s) => ({ studyInstanceUID: s.studyInstanceUID, instances: s.instances, refused: s.refused, any: s.study ? triageAny(s.study) : null, calibrated: !!s.study?.calibrated, result: s.result, pushed: s.pushed ?? null, alreadyReported: s.alreadyReported ?? null })) })}\n`);
        return;
      }
      process.stdout.write(`pulled ${studies.length} studies from ${f.url}, most urgent first:\n`);
      for (const s of studies) process.stdout.write(`  ${s.studyInstanceUID}  P(any) ${s.study ? triageAny(s.study).toFixed(3) : '–'}  ${s.instances} instances${s.refused.length ? `, ${s.refused.length} refused` : ''}  ${s.result}${s.pushed ? `  pushed SR ${s.pushed.sr}, SC ${s.pushed.secondaryCapture}${s.pushed.parametricMap ? `, PM ${s.pushed.parametricMap}` : ''}${s.pushed.keyObjects ? `, KOS ${s.pushed.keyObjects}` : ''}` : ''}${s.alreadyReported ? `  already reported by this model (SR ${s.alreadyReported}), not pushed again` : ''}\n`);
    });
}
