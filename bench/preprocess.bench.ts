/**
 * npm run bench:preprocess — `ich preprocess` (512×512 int16 slices → 3×128×128) against the same
 * work in Python with Debian's pydicom and numpy (bench/reference/preprocess_reference.py, one
 * process, like the seed project), interleaved on the same files; medians of the rounds.
 * Options (environment): BENCH_SLICES (default 2400), BENCH_ROUNDS (default 3), BENCH_THREADS.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openIndexDb } from '../src/data/db.js';
import { seededRandom } from '../src/shared/random.js';
import { writeCtSlice } from '../src/dicom/write.js';
import { median, timedRun } from './median.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const slices = Number(process.env.BENCH_SLICES ?? 2400);
const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
const threads = process.env.BENCH_THREADS;
const SIZE = 512;

/** A head-like slice: -2000 padding outside the scan circle, air, a skull ring, noisy brain; int16, intercept -1024. */
function headSlice(random: () => number): Int16Array {
  const px = new Int16Array(SIZE * SIZE);
  const cx = SIZE / 2 + (random() - 0.5) * 20;
  const cy = SIZE / 2 + (random() - 0.5) * 20;
  for (let y = 0; y < SIZE; y++) {
    for (let x = 0; x < SIZE; x++) {
      const r = Math.hypot((x - cx) / 0.8, y - cy);
      const hu = r > 200 ? -1000 : r > 185 ? 1000 : 35 + (random() - 0.5) * 12;
      px[y * SIZE + x] = r > 250 ? -2000 : Math.round(hu) + 1024;
    }
  }
  return px;
}

function writeDataSet(dir: string): string[] {
  mkdirSync(dir, { recursive: true });
  const random = seededRandom(7);
  const paths: string[] = [];
  for (let i = 0; i < slices; i++) {
    const id = `ID_${(0x10000000 + i).toString(16)}`;
    const path = join(dir, `${id}.dcm`);
    writeCtSlice(path, {
      sopInstanceUID: id,
      studyInstanceUID: `ID_a${Math.floor(i / 32).toString(16)}`, // RSNA identifiers are hex
      seriesInstanceUID: `ID_b${Math.floor(i / 32).toString(16)}`,
      patientID: `ID_p${Math.floor(i / 32)}`,
      rows: SIZE,
      columns: SIZE,
      bitsStored: 16,
      pixelRepresentation: 1,
      rescaleSlope: 1,
      rescaleIntercept: -1024,
      windowCenter: 40,
      windowWidth: 80,
      pixelSpacing: [0.45, 0.45],
      sliceThickness: 5,
      imagePositionPatient: [-115, -115, 5 * (i % 32)],
      imageOrientationPatient: [1, 0, 0, 0, 1, 0],
      instanceNumber: (i % 32) + 1,
      pixels: headSlice(random),
    });
    paths.push(path);
  }
  return paths;
}

function main(): void {
  const work = join(tmpdir(), `ichdetect-bench-preprocess-${process.pid}`);
  const data = join(work, 'data');
  const db = join(work, 'index.db');
  const cli = join(root, 'dist/src/cli/main.js');
  try {
    process.stdout.write(`writing ${slices} slices of ${SIZE}×${SIZE} int16 to ${data}\n`);
    const paths = writeDataSet(data);
    const list = join(work, 'files.txt');
    writeFileSync(list, paths.join('\n') + '\n');
    timedRun(process.execPath, [cli, 'index', data, '--db', db]);
    const ours: number[] = [];
    const reference: number[] = [];
    for (let r = 0; r < rounds; r++) {
      const cache = join(work, `cache-${r}`);
      const ich = timedRun(process.execPath, [cli, 'preprocess', data, '--db', db, '--cache', cache, '--json', ...(threads ? ['--threads', threads] : [])]);
      const cached = (JSON.parse(ich.stdout) as { cached: number }).cached;
      if (cached !== slices) throw new Error(`ich preprocess cached ${cached} of ${slices} slices`);
      rmSync(cache, { recursive: true, force: true });
      const index = openIndexDb(db);
      index.exec('DELETE FROM cache_entries; DELETE FROM meta');
      index.close();
      ours.push(slices / ich.seconds);
      const py = timedRun('/usr/bin/python3', [join(root, 'bench/reference/preprocess_reference.py'), list, join(work, `ref-${r}`)]);
      reference.push(slices / py.seconds);
      rmSync(join(work, `ref-${r}`), { recursive: true, force: true });
      process.stdout.write(`round ${r + 1}: ichdetect ${ours.at(-1)!.toFixed(0)} slices/s, reference ${reference.at(-1)!.toFixed(0)} slices/s\n`);
    }
    const a = median(ours);
    const b = median(reference);
    process.stdout.write(`ichdetect ich preprocess: ${a.toFixed(0)} slices/s (median of ${rounds}, ${threads ?? 'one thread per core'}, wall clock incl. start-up)\n`);
    process.stdout.write(`reference pydicom+numpy: ${b.toFixed(0)} slices/s (median of ${rounds}, one process, wall clock incl. start-up)\n`);
    process.stdout.write(`ratio ${(a / b).toFixed(2)}\n`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

main();
