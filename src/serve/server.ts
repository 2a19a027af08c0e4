// `ich serve` as a library: a fastify app that takes DICOM instances by STOW-RS (or a form upload),
// analyses each study with a model folder off the request path, keeps everything in DATA (SQLite and
// the instances), and serves the worklist and each study's results as JSON.
import { timingSafeEqual } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { resolve } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import swagger from '@fastify/swagger';
import type { NotAnalysedStudy } from '../predict/assessment.js';
import { Predictor, readPredictionCard } from '../predict/predictor.js';
import { type StudyPrediction, triageAny, triageOrder } from '../predict/studies.js';
import { RemoteAnalysis } from './remote-analysis.js';
import { AnalysisQueue } from './analysis-queue.js';
import { multipartBoundary, RequestError, splitMultipart } from './multipart.js';
import { OPENAPI_DOCUMENT } from './openapi.js';
import { SCHEMAS, type ValidationIssue, validationMessage } from './route-schemas.js';
import { VIEWER_CSP, VIEWER_CSS, VIEWER_HTML } from './viewer-page.js';
import { VIEWER_SCRIPT } from './viewer-script.js';
import { LABELS, type Label } from '../data/labels.js';
import { notSliceWise, SliceAttributions } from './attributions.js';
import { addBrowserRoutes, RUNTIME_PATH } from './browser-inference.js';
import { requestWindow } from './render.js';
import { DecodePool } from './decode-pool.js';
import { ServeStore, type StudyRow } from './store.js';
import { checkParts, stageInstances, studyResult } from './uploads.js';
import { type DimseOptions, startDimse } from './dimse.js';
import { DEFAULT_QUIET_SECONDS, QuietTimers } from './quiet-timers.js';
import { DimseSink, parseDimseTarget } from './dimse-push.js';
import { StudyPusher } from './study-push.js';

export interface ServeOptions {
  /** Model folder (model.json, model.onnx). */
  model: string;
  /** Folder for uploads and results (serve.db, instances/). */
  data: string;
  /** Bearer token every route requires, when set. */
  token?: string;
  /** Largest request body, bytes. Default 512 MiB. */
  maxUploadBytes?: number;
  /** Most instances one study may hold. Default 2,000. */
  maxStudyInstances?: number;
  /** Most studies waiting for analysis. Default 100. */
  queueCapacity?: number;
  /** Threads for decoding and inference (predictFiles). */
  threads?: number;
  /** Expected-gradient samples per overlay (default 100). */
  overlaySamples?: number;
  /** Analyse on `ich worker` processes through this Redis (redis://HOST:PORT) instead of in this process. */
  redis?: string;
  /** Studies analysed at once (default 1 in this process, 8 with workers). */
  concurrency?: number;
  /** Threads that check uploads and decode slices to show (default: one per core but one). */
  decodeThreads?: number;
  /** Also take C-STORE (and C-ECHO) on the DICOM network; a study is analysed once quiet for quietSeconds (default 10). */
  dimse?: DimseOptions & { quietSeconds?: number };
  /** Push each analysed study's results (SR, Parametric Map, KOS, Secondary Capture) by C-STORE to `dimse://AET@host:port`, calling as pushAeTitle (default: dimse.aeTitle, else ICHDETECT). */
  push?: string;
  pushAeTitle?: string;
}

export interface Serve {
  app: FastifyInstance;
  store: ServeStore;
  queue: AnalysisQueue;
  /** The DIMSE port, when the service listens on the DICOM network. */
  dimsePort?: number;
  /** Stops listening, waits up to graceMs (default 8 s) for running analyses, and releases everything. */
  close(graceMs?: number): Promise<void>;
}

function sameToken(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Aborted when the client goes away before the response is sent (a viewer scrolling on cancels its image request). */
function cancelled(res: ServerResponse): AbortSignal {
  const gone = new AbortController();
  res.once('close', () => res.writableFinished || gone.abort());
  return gone.signal;
}

/** The token in an Authorization header: `Bearer T`, or `Basic` with T as the password. */
function givenToken(header: string | undefined): string | undefined {
  const m = /^(Bearer|Basic) (.+)$/i.exec(header ?? '');
  if (!m) return undefined;
  if (m[1]!.toLowerCase() === 'bearer') return m[2];
  const pair = Buffer.from(m[2]!, 'base64').toString('utf8');
  return pair.includes(':') ? pair.slice(pair.indexOf(':') + 1) : undefined;
}

/**
 * Builds the service (not yet listening): the model opened once for every analysis; studies left
 * unfinished by an earlier run are queued again.
 */
export async function buildServer(o: ServeOptions): Promise<Serve> {
  const data = resolve(o.data);
  const model = resolve(o.model);
  const card = readPredictionCard(model);
  const remote = o.redis ? new RemoteAnalysis({ redis: o.redis, model, card, data }) : undefined;
  const predictor = remote ? undefined : await Predictor.open(model, { threads: o.threads });
  const store = new ServeStore(data);
  const decoder = new DecodePool(o.decodeThreads);
  const attributions = new SliceAttributions(model, data, { samples: o.overlaySamples, threads: o.threads, decoder });
  const maxInstances = o.maxStudyInstances ?? 2000;
  const pusher = o.push ? new StudyPusher(new DimseSink(parseDimseTarget(o.push), o.pushAeTitle ?? o.dimse?.aeTitle), store, attributions) : undefined;
  const queue = new AnalysisQueue(async (uid) => {
    store.setStatus(uid, 'running');
    try {
      const files = store.instancePaths(uid);
      const r = remote ? await remote.analyse(uid, files) : await predictor!.predict(files);
      const result = studyResult(r);
      // A study whose slices all fail input conformance is done: its answer is "not analysed", with the reason.
      const answered = r.slices.length > 0 || r.notAnalysed.length > 0;
      const pushed = answered ? await pusher?.push(uid, r) : undefined;
      store.setStatus(uid, answered ? 'done' : 'failed', answered ? { result: { ...result, ...pushed } } : { error: 'no instance of the study could be analysed' });
    } catch (err) {
      store.setStatus(uid, 'failed', { error: (err as Error).message });
    }
  }, o.queueCapacity ?? 100, o.concurrency ?? (remote ? 8 : 1));
  for (const uid of store.unfinished()) queue.add(uid);

  const app = Fastify({ logger: false, bodyLimit: o.maxUploadBytes ?? 512 * 2 ** 20 });
  for (const type of ['multipart/related', 'multipart/form-data']) app.addContentTypeParser(type, { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
  if (o.token) {
    const token = o.token;
    app.addHook('onRequest', async (req, reply) => {
      const given = givenToken(req.headers.authorization);
      if (given !== undefined && sameToken(given, token)) return;
      // Bearer for API clients; Basic (any user name, the token as password) lets a browser open the viewer.
      return reply.code(401).header('www-authenticate', ['Bearer realm="ichdetect"', 'Basic realm="ichdetect", charset="UTF-8"']).send({ error: 'a bearer token is required' });
    });
  }
  app.setErrorHandler((err: Error & { statusCode?: number; validation?: ValidationIssue[] }, req, reply) => {
    const status = err instanceof RequestError ? err.status : err.statusCode && err.statusCode < 500 ? err.statusCode : 500;
    void reply.code(status).send({ error: err.validation ? validationMessage(err.validation, req.query as Record<string, unknown>, err.message) : err.message });
  });
  await app.register(swagger, { openapi: OPENAPI_DOCUMENT });

  app.get('/health', { schema: SCHEMAS.health }, async () => ({ status: 'ok', model: card.architecture.name, queued: queue.pending }));
  app.get('/openapi.json', { schema: SCHEMAS.openapi }, async () => app.swagger());
  app.get('/', { schema: SCHEMAS.viewer }, async (_req, reply) => reply.type('text/html; charset=utf-8').header('content-security-policy', VIEWER_CSP).header('x-content-type-options', 'nosniff').send(VIEWER_HTML));
  app.get('/viewer.js', { schema: SCHEMAS.asset }, async (_req, reply) => reply.type('text/javascript; charset=utf-8').header('x-content-type-options', 'nosniff').send(VIEWER_SCRIPT));
  app.get('/viewer.css', { schema: SCHEMAS.asset }, async (_req, reply) => reply.type('text/css; charset=utf-8').header('x-content-type-options', 'nosniff').send(VIEWER_CSS));

  /** Checks parts as uploads, refuses a study past maxInstances, stages and commits the accepted ones; returns what was stored and the studies it touched. */
  const storeParts = async (parts: readonly { body: Uint8Array }[]) => {
    const { accepted, refused } = await checkParts(decoder, parts);
    for (const uid of new Set(accepted.map((s) => s.study))) {
      if (store.instancePaths(uid).length + accepted.filter((s) => s.study === uid).length > maxInstances) throw new RequestError(413, `study ${uid} would hold more than ${maxInstances} instances`);
    }
    const staged = await stageInstances(data, accepted);
    return { refused, studies: store.commit(staged), stored: staged.moves.map((m) => m.instance) };
  };

  app.post('/dicom-web/studies', { schema: SCHEMAS.stow }, async (req, reply) => {
    const parts = splitMultipart(req.body as Buffer, multipartBoundary(req.headers['content-type']));
    if (parts.length === 0) throw new RequestError(400, 'the body holds no parts');
    const { refused, studies, stored } = await storeParts(parts);
    const full = studies.filter((uid) => !queue.add(uid));
    if (full.length) return reply.code(503).send({ error: `the analysis queue is full (${queue.capacity} studies); stored, analysed later`, stored: stored.length });
    // STOW-RS: 200 all stored, 202 some refused, 409 none stored.
    return reply.code(refused.length === 0 ? 200 : stored.length ? 202 : 409).send({ stored: stored.map((s) => ({ sop: s.sop, study: s.study })), refused, studies });
  });

  // DIMSE: C-STORE into the same store; a study is queued once no instance of it has arrived for quietSeconds.
  const quiet = new QuietTimers((uid) => queue.add(uid), (o.dimse?.quietSeconds ?? DEFAULT_QUIET_SECONDS) * 1000);
  const dimse = o.dimse
    ? await startDimse({ maxInstanceBytes: o.maxUploadBytes, ...o.dimse }, async (bytes) => {
      try {
        const { refused, studies } = await storeParts([{ body: bytes }]);
        for (const uid of studies) quiet.touch(uid);
        return refused.length ? { ok: false, reason: `${refused[0]!.code}: ${refused[0]!.reason}` } : { ok: true };
      } catch (err) {
        return { ok: false, reason: (err as Error).message };
      }
    })
    : undefined;

  app.get('/api/studies', { schema: SCHEMAS.worklist }, async () => ({ studies: worklist(store) }));

  app.get<{ Params: { uid: string } }>('/api/studies/:uid', { schema: SCHEMAS.study }, async (req, reply) => {
    const s = store.study(req.params.uid);
    if (!s) return reply.code(404).send({ error: `no study ${req.params.uid}` });
    return s;
  });

  const notInBrowser = notSliceWise(card);
  app.get('/api/model', { schema: SCHEMAS.model }, async () => ({
    name: card.architecture.name, created: card.created, labels: card.labels, input: card.input,
    overlays: attributions.unavailable ? { available: false, reason: attributions.unavailable } : { available: true, method: 'expected gradients', samples: attributions.samples },
    browser: notInBrowser ? { available: false, reason: notInBrowser } : { available: true, runtime: `${RUNTIME_PATH}/ort.wasm.min.mjs` },
  }));
  addBrowserRoutes(app, model, card, store, decoder);

  app.get<{ Params: { uid: string; sop: string }; Querystring: { window?: string; overlay?: string } }>('/api/studies/:uid/slices/:sop.png', { schema: SCHEMAS.slicePng }, async (req, reply) => {
    const { uid, sop } = req.params;
    const path = store.instancePath(uid, sop);
    if (!path) return reply.code(404).send({ error: `no instance ${sop} in study ${uid}` });
    const window = req.query.window ?? 'brain';
    requestWindow(window);
    const label = req.query.overlay === undefined ? undefined : LABELS.indexOf(req.query.overlay as Label);
    const overlay = label === undefined ? undefined : await attributions.overlay(path, sop, label, cancelled(reply.raw));
    const png = await decoder.png(path, window, overlay);
    if (!png.ok) throw new RequestError(422, `the slice cannot be shown: ${png.code}: ${png.reason}`);
    return reply.type('image/png').send(Buffer.from(png.png.buffer, png.png.byteOffset, png.png.byteLength));
  });

  return {
    app, store, queue, dimsePort: dimse?.port,
    async close(graceMs = 8000) {
      dimse?.close();
      quiet.clear();
      await app.close();
      // A study still running after graceMs stays 'running' in serve.db, and the next start queues it again.
      await Promise.race([queue.idle(), new Promise((r) => setTimeout(r, graceMs).unref())]);
      store.close();
      await attributions.close();
      await decoder.close();
      await predictor?.close();
      await remote?.close();
    },
  };
}

interface WorklistEntry {
  studyInstanceUID: string;
  status: string;
  instances: number;
  /** Study-level P(any): calibrated when the model has a calibration, else the maximum over slices. */
  any: number | null;
  perLabel: Record<string, number> | null;
  calibrated: boolean;
  keySlice: string | null;
  /** `not-assessed`: mostly out of the model's training distribution, listed after every assessed study; `not-analysed`: no slice conforms. */
  assessment: 'assessed' | 'not-assessed' | 'not-analysed' | null;
  /** Why it is not assessed or partly conforming. */
  reason?: string;
  updatedAt: string;
  error?: string;
}

function entry(row: StudyRow, study?: StudyPrediction): WorklistEntry {
  const probs = study ? (study.calibrated ?? study.perLabel) : null;
  const notAnalysed = (row.result as { notAnalysed?: NotAnalysedStudy | null } | undefined)?.notAnalysed ?? undefined;
  const reason = study?.assessment?.reason ?? notAnalysed?.reason;
  return {
    studyInstanceUID: row.uid, status: row.status, instances: row.instances, any: study ? triageAny(study) : null, perLabel: probs, calibrated: !!study?.calibrated,
    keySlice: study?.topSlice.sop ?? null, assessment: study?.assessment?.status ?? (notAnalysed ? 'not-analysed' : null), ...(reason ? { reason } : {}),
    updatedAt: row.updatedAt, ...(row.error ? { error: row.error } : {}),
  };
}

/** Every study, most urgent first: analysed studies in triage order (as ich triage orders them: not-assessed ones after every assessed one), then those not analysed yet, by UID. */
export function worklist(store: ServeStore): WorklistEntry[] {
  const rows = store.studies();
  const studyOf = (r: StudyRow) => (r.result as { study?: StudyPrediction | null } | undefined)?.study ?? undefined;
  const analysed = triageOrder(rows.flatMap((row) => {
    const study = studyOf(row);
    return study ? [{ ...study, row }] : [];
  }));
  const waiting = rows.filter((r) => !studyOf(r)).sort((a, b) => (a.uid < b.uid ? -1 : a.uid > b.uid ? 1 : 0));
  return [...analysed.map((s) => entry(s.row, s)), ...waiting.map((r) => entry(r))];
}
