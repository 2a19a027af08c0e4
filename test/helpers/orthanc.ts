// A real Orthanc (Debian orthanc, orthanc-dicomweb, orthanc-gdcm) on free loopback ports, holding
// phantom CT studies, and a tiny model trained on them: the PACS of the `ich pacs pull` tests.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { synthesize } from '../../src/data/phantom/synth.js';
import { predictFiles } from '../../src/predict/predictor.js';
import { runCli } from './hu.js';
import { TempDir } from './paths.js';

export interface PacsFixture {
  tmp: TempDir;
  /** DICOMweb root. */
  url: string;
  /** Orthanc's REST root. */
  rest: string;
  /** Orthanc's DICOM port (AE title ORTHANC). */
  dicomPort: number;
  /** Model folder trained on the phantom studies. */
  model: string;
  /** Every phantom study's files by StudyInstanceUID, in the order the first `uploaded` went into the PACS. */
  studies: Map<string, string[]>;
  uploaded: string[];
  close(): void;
}

const freePort = () => new Promise<number>((ok) => {
  const s = createServer().listen(0, '127.0.0.1', () => {
    const port = (s.address() as { port: number }).port;
    s.close(() => ok(port));
  });
});

/** Synthesizes 8 phantom studies, trains a model (size 32) on them, starts Orthanc and uploads the first `upload` studies by its plain upload. */
export async function pacsFixture(upload: number): Promise<PacsFixture> {
  const tmp = new TempDir();
  const data = tmp.file('data');
  await synthesize({ out: data, studies: 8, seed: 9, size: 64, positiveShare: 0.14, corrupt: 0 });
  const model = tmp.file('model');
  assert.equal(runCli(['train', '--data', data, '--out', model, '--epochs', '1', '--size', '32', '--batch', '16', '--threads', '1']).status, 0);
  const studies = new Map<string, string[]>();
  for (const s of (await predictFiles(model, [join(data, 'images')], { threads: 0 })).slices) studies.set(s.study, [...(studies.get(s.study) ?? []), s.path]);
  const [http, dicom] = [await freePort(), await freePort()];
  const config = tmp.file('orthanc.json');
  writeFileSync(config, JSON.stringify({
    Name: 'ichdetect-test', DicomAet: 'ORTHANC', StorageDirectory: tmp.file('orthanc-db'), IndexDirectory: tmp.file('orthanc-db'), HttpPort: http, DicomPort: dicom,
    RemoteAccessAllowed: false, AuthenticationEnabled: false, DicomWeb: { Enable: true, Root: '/dicom-web/' },
    Plugins: ['/usr/share/orthanc/plugins/libOrthancDicomWeb.so', '/usr/share/orthanc/plugins/libOrthancGdcm.so'],
  }));
  const orthanc: ChildProcess = spawn('/usr/sbin/Orthanc', [config], { stdio: 'ignore' });
  const close = () => {
    orthanc.kill('SIGTERM');
    tmp.remove();
  };
  try {
    const base = `http://127.0.0.1:${http}`;
    for (let i = 0; ; i++) {
      if ((await fetch(`${base}/system`).catch(() => undefined))?.ok) break;
      if (i > 100) throw new Error('Orthanc did not start (Debian packages orthanc, orthanc-dicomweb, orthanc-gdcm)');
      await new Promise((r) => setTimeout(r, 100));
    }
    const uploaded = [...studies.keys()].slice(0, upload);
    for (const uid of uploaded) {
      for (const f of studies.get(uid)!) assert.ok((await fetch(`${base}/instances`, { method: 'POST', body: readFileSync(f) })).ok);
    }
    return { tmp, url: `${base}/dicom-web`, rest: base, dicomPort: dicom, model, studies, uploaded, close };
  } catch (err) {
    close();
    throw err;
  }
}
