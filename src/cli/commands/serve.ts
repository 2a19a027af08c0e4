import type { Command } from 'commander';
import { isIP } from 'node:net';
import { DEFAULT_OVERLAY_SAMPLES } from '../../serve/attributions.js';
import { buildServer } from '../../serve/server.js';
import { intOption } from '../options.js';

interface ServeFlags {
  model: string;
  data: string;
  host: string;
  port: number;
  token?: string;
  maxUploadMb: number;
  maxStudyInstances: number;
  threads?: number;
  decodeThreads?: number;
  overlaySamples: number;
  redis?: string;
  concurrency?: number;
  dimsePort?: number;
  aeTitle: string;
  dimseCallers?: string;
  dimseQuiet: number;
  push?: string;
}

/** Loopback only: 127.0.0.0/8, ::1 and localhost. */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || (isIP(host) === 4 && host.startsWith('127.'));
}

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('HTTP service and web viewer: DICOM in by STOW-RS (POST /dicom-web/studies), each study analysed off the request path, the worklist and results as JSON (GET /api/studies, /api/studies/UID), slices as PNG with SHAP overlays, the viewer at /')
    .requiredOption('--model <dir>', 'model folder (model.json, model.onnx), e.g. from ich train')
    .option('--data <dir>', 'folder for uploads and results (serve.db, instances/); kept across restarts', '.ich-serve')
    .option('--host <addr>', 'address to bind; anything but loopback needs --token', '127.0.0.1')
    .option('--port <n>', 'port (0: any free one)', intOption('--port', 0), 8042)
    .option('--token <t>', 'token every request must carry (Authorization: Bearer T, or Basic with T as the password in a browser); default $ICH_SERVE_TOKEN, which keeps it out of the process list', process.env.ICH_SERVE_TOKEN || undefined)
    .option('--max-upload-mb <n>', 'largest request body, MiB', intOption('--max-upload-mb'), 512)
    .option('--max-study-instances <n>', 'most instances one study may hold', intOption('--max-study-instances'), 2000)
    .option('--threads <n>', 'decoding and inference threads', intOption('--threads', 0))
    .option('--decode-threads <n>', 'threads that check uploads and decode slices to show (default: one per core but one, which stays for the event loop)', intOption('--decode-threads'))
    .option('--redis <url>', 'analyse on ich worker processes through this Redis (redis://HOST:6379) instead of in this process; the workers must see --model and --data at the same paths')
    .option('--concurrency <n>', 'studies analysed at once (default 1 in this process, 8 with --redis)', intOption('--concurrency'))
    .option('--dimse-port <n>', 'also listen on the DICOM network (DIMSE): C-STORE into the same store as STOW-RS, C-ECHO; same address as --host', intOption('--dimse-port', 0))
    .option('--ae-title <aet>', 'our AE title: associations calling another are refused', 'ICHDETECT')
    .option('--dimse-callers <aets>', 'calling AE titles allowed to associate, comma-separated (required off loopback; default on loopback: any)')
    .option('--push <dimse://AET@host:port>', 'store each analysed study\'s results (TID 1500 SR, Parametric Map, Key Object Selection, Secondary Capture; not for diagnostic use) by C-STORE, calling as --ae-title')
    .option('--dimse-quiet <s>', 'seconds without a new instance after which a study received over DIMSE is analysed', intOption('--dimse-quiet'), 10)
    .option('--overlay-samples <n>', 'expected-gradient samples per overlay (more: smoother maps, slower first view)', intOption('--overlay-samples'), DEFAULT_OVERLAY_SAMPLES)
    .action(async (f: ServeFlags) => {
      if (!isLoopback(f.host) && !f.token) throw new Error(`--host ${f.host} is not loopback: give --token T, which every request must then carry`);
      const callers = f.dimseCallers?.split(',').map((a) => a.trim()).filter(Boolean);
      if (f.dimsePort !== undefined && !isLoopback(f.host) && !callers?.length) throw new Error(`--host ${f.host} is not loopback: give --dimse-callers AET,… for the DICOM network too`);
      const dimse = f.dimsePort === undefined ? undefined : { port: f.dimsePort, host: f.host, aeTitle: f.aeTitle, callers, quietSeconds: f.dimseQuiet };
      const serve = await buildServer({ model: f.model, data: f.data, token: f.token, maxUploadBytes: f.maxUploadMb * 2 ** 20, maxStudyInstances: f.maxStudyInstances, threads: f.threads, decodeThreads: f.decodeThreads, overlaySamples: f.overlaySamples, redis: f.redis, concurrency: f.concurrency, dimse, push: f.push, pushAeTitle: f.aeTitle });
      const r = serve.store.recovery;
      if (r.finished || r.removedStaged || r.removedOrphans) {
        process.stderr.write(`ich serve: an earlier process ended mid-upload: ${r.finished} committed upload(s) moved into place, ${r.removedStaged} staged file(s) of uncommitted uploads and ${r.removedOrphans} file(s) without a database row removed\n`);
      }
      const address = await serve.app.listen({ host: f.host, port: f.port });
      process.stdout.write(`ich serve: ${address} (model ${f.model}, data ${f.data}${f.redis ? ', analysed by ich worker processes' : ''}${f.token ? ', token required' : ''})${serve.dimsePort !== undefined ? `; DIMSE ${f.aeTitle}@${f.host}:${serve.dimsePort}` : ''}${f.push ? `; results pushed to ${f.push}` : ''}\n`);
      const stop = (signal: string) => {
        process.stderr.write(`ich serve: ${signal}, stopping\n`);
        // Whatever still holds on after 9.5 s (a stuck connection, a Redis that does not answer) does not keep the process.
        setTimeout(() => process.exit(0), 9500).unref();
        void serve.close().then(() => process.exit(0), () => process.exit(1));
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
}
