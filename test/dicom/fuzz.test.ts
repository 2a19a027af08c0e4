// Fuzzing the readers: several hundred seeded mutants of plausible slices (every syntax, a real CT)
// and issue 17's hostile files through ich index, ich preprocess and ich inspect (CLI processes, their
// memory measured) and the library reads: nothing crashes, every file is accounted for, each refusal
// is a known code with a worded reason, and the same file gets the same reason every time.
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import Database from 'better-sqlite3';
import { DicomError, REJECT_CODES } from '../../src/dicom/errors.js';
import { loadSlice } from '../../src/dicom/load.js';
import { type FuzzFile, fuzzBases, mutate } from '../helpers/fuzz.js';
import { hostileFiles } from '../helpers/hostile.js';
import { TempDir } from '../helpers/paths.js';
import { runCliMeasured } from '../helpers/serve-process.js';

let tmp: TempDir;
let dir: string;
let files: FuzzFile[];
let baseCount: number;

before(async () => {
  tmp = new TempDir('ichdetect-fuzz-');
  dir = tmp.file('fuzz');
  mkdirSync(dir);
  const bases = await fuzzBases(tmp);
  baseCount = bases.length;
  files = [...bases, ...mutate(bases, 44, 20261203), ...(await hostileFiles(tmp, '1.2.826.0.1.3680043.10.1017.6'))];
  for (const f of files) writeFileSync(join(dir, `${f.name}.dcm`), f.bytes);
});
after(() => tmp.remove());

const MEMORY_BOUND_MB = 600;
/** Internal messages and bare numbers: what a refusal must never say. */
const UNWORDED = /Cannot read|is not a function|is not defined|undefined|RangeError|TypeError|^\d+$|: \d+$/;

type Row = { path: string; status: string; reason_code: string | null; reason: string | null };

function indexRows(db: string): Row[] {
  const d = new Database(db, { readonly: true });
  try {
    return d.prepare('SELECT path, status, reason_code, reason FROM files ORDER BY path').all() as Row[];
  } finally {
    d.close();
  }
}

test('≥ 300 mutated and hostile files: ich index and ich preprocess account for every one under the memory bound, with known, worded, stable reasons', async (t) => {
  assert.ok(files.length >= 300, `${files.length} files`);
  const runs = [];
  for (const db of [tmp.file('a.db'), tmp.file('b.db')]) {
    const index = await runCliMeasured(['index', dir, '--db', db, '--json']);
    assert.equal(index.code, 0, index.stderr);
    const summary = JSON.parse(index.stdout) as { ok: number; rejected: number };
    assert.equal(summary.ok + summary.rejected, files.length, 'every file is in the index');
    assert.ok(index.peakRssMb < MEMORY_BOUND_MB, `ich index peaked at ${index.peakRssMb.toFixed(0)} MB`);
    runs.push({ rows: indexRows(db), rss: index.peakRssMb, summary });
  }
  assert.deepEqual(runs[1]!.rows, runs[0]!.rows, 'the same reasons on a second run');
  const rejected = runs[0]!.rows.filter((r) => r.status === 'rejected');
  for (const r of rejected) {
    assert.ok(r.reason_code! in REJECT_CODES, `${r.path}: unknown code ${r.reason_code}`);
    assert.doesNotMatch(r.reason!, UNWORDED, `${r.path}: ${r.reason_code}: ${r.reason}`);
  }
  const pre = await runCliMeasured(['preprocess', dir, '--db', tmp.file('a.db'), '--size', '32', '--json']);
  assert.equal(pre.code, 0, pre.stderr);
  const s = JSON.parse(pre.stdout) as { cached: number; rejected: number; reasons: Record<string, number> };
  assert.equal(s.cached + s.rejected, runs[0]!.summary.ok, 'every indexed slice is cached or refused');
  for (const code of Object.keys(s.reasons)) assert.ok(code in REJECT_CODES, `preprocess: unknown code ${code}`);
  assert.ok(pre.peakRssMb < MEMORY_BOUND_MB, `ich preprocess peaked at ${pre.peakRssMb.toFixed(0)} MB`);
  const codes = new Map<string, number>();
  for (const r of rejected) codes.set(r.reason_code!, (codes.get(r.reason_code!) ?? 0) + 1);
  t.diagnostic(`${files.length} files: index ok ${runs[0]!.summary.ok}, rejected ${rejected.length} (${[...codes].map(([c, n]) => `${c} ${n}`).join(', ')}); preprocess cached ${s.cached}, rejected ${s.rejected} (${Object.entries(s.reasons).map(([c, n]) => `${c} ${n}`).join(', ')}); peak RSS index ${runs[0]!.rss.toFixed(0)} MB, preprocess ${pre.peakRssMb.toFixed(0)} MB`);
});

test('every file through inspect (the library read, twice, and the CLI on a sample): a summary or a DicomError with the same worded reason', async () => {
  const reasons = async () => {
    const out: string[] = [];
    for (const f of files) {
      try {
        const slice = await loadSlice(join(dir, `${f.name}.dcm`));
        assert.equal(slice.hu.length, slice.rows * slice.columns);
        out.push('ok');
      } catch (err) {
        assert.ok(err instanceof DicomError, `${f.name}: ${String(err)}`);
        assert.doesNotMatch(err.message, UNWORDED, `${f.name}: ${err.reason}`);
        out.push(err.reason);
      }
    }
    return out;
  };
  const first = await reasons();
  assert.deepEqual(first.slice(0, baseCount), Array(baseCount).fill('ok'), 'the unbroken bases are read');
  assert.deepEqual(await reasons(), first);
  for (let k = 0; k < files.length; k += Math.ceil(files.length / 12)) {
    const run = await runCliMeasured(['inspect', join(dir, `${files[k]!.name}.dcm`)]);
    if (first[k] === 'ok') assert.equal(run.code, 0, run.stderr);
    else {
      assert.equal(run.code, 1);
      assert.equal(run.stderr.trim(), `ich: ${join(dir, `${files[k]!.name}.dcm`)}: ${first[k]}`);
    }
    assert.ok(run.peakRssMb < MEMORY_BOUND_MB);
  }
});
