#!/usr/bin/env node
// The Debian packages the tests use, in one list for `npm test` (check), `npm run test:system` and
// .ci/run (install). `node scripts/system-deps.mjs check` exits 1 within a second, naming what is
// missing and the command that installs it; `install` installs what is missing with apt-get (as root,
// else through sudo). ICH_SKIP_SYSTEM_CHECK=1 skips the check (a machine that has the tools another way).
import { spawnSync } from 'node:child_process';

/** Package → what the tests use it for. */
export const SYSTEM_PACKAGES = {
  'python3-pydicom': 'the HU reference and the real CT test files',
  'python3-gdcm': "pydicom's JPEG 2000 and JPEG-LS decoding (reference)",
  'python3-numpy': 'the Python references',
  dcmtk: 'transfer-syntax variants, dsrdump, dcmodify, storescu/storescp',
  dicom3tools: "dciodvfy, the IOD check of every object ichdetect writes",
  'python3-onnx': "the ONNX checker on every emitted graph",
  'python3-sklearn': 'the metric references (ROC AUC, log loss)',
  'redis-server': 'the queue tests (a server on loopback)',
  chromium: "the viewer's browser test (playwright-core)",
  orthanc: 'the PACS tests',
  'orthanc-dicomweb': "the PACS tests' DICOMweb",
  'orthanc-gdcm': "the PACS tests' transcoding",
};

function missingPackages() {
  const names = Object.keys(SYSTEM_PACKAGES);
  const run = spawnSync('dpkg-query', ['-W', '-f=${Package}\t${db:Status-Status}\n', ...names], { encoding: 'utf8' });
  if (run.error) return undefined;
  const installed = new Set(run.stdout.split('\n').filter((l) => l.endsWith('\tinstalled')).map((l) => l.split('\t')[0]));
  return names.filter((n) => !installed.has(n));
}

const aptArgs = (names) => ['install', '-y', '-qq', '--no-install-recommends', ...names];
const mode = process.argv[2];
if (mode !== 'check' && mode !== 'install') {
  process.stderr.write('usage: system-deps.mjs check|install\n');
  process.exit(2);
}
if (mode === 'check' && process.env.ICH_SKIP_SYSTEM_CHECK === '1') process.exit(0);
const missing = missingPackages();
if (missing === undefined) {
  process.stderr.write(`The tests need Debian's packages ${Object.keys(SYSTEM_PACKAGES).join(', ')}, and dpkg-query is not here to check them.\nInstall their equivalents, then run the tests with ICH_SKIP_SYSTEM_CHECK=1.\n`);
  process.exit(1);
}
if (missing.length === 0) process.exit(0);
if (mode === 'check') {
  process.stderr.write(
    `The tests need Debian packages that are not installed:\n${missing.map((n) => `  ${n.padEnd(18)} ${SYSTEM_PACKAGES[n]}`).join('\n')}\n` +
      `Install them and run the tests: npm run test:system\n(or: sudo apt-get update && sudo apt-get ${aptArgs(missing).join(' ')})\n`,
  );
  process.exit(1);
}
const root = process.getuid?.() === 0;
const apt = (args) => {
  const r = spawnSync(root ? 'apt-get' : 'sudo', root ? args : ['apt-get', ...args], { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  if (r.status !== 0) process.exit(r.status ?? 1);
};
process.stdout.write(`installing ${missing.join(', ')}\n`);
apt(['update', '-qq']);
apt(aptArgs(missing));
