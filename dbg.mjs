import { pacsFixture } from './dist/test/helpers/orthanc.js';
import { pacsPull } from './dist/src/serve/pacs.js';
import { pushAnalysis } from './dist/src/serve/push.js';
import { DicomWeb } from './dist/src/serve/dicomweb.js';
const pacs = await pacsFixture(2);
const base = pacs.url.replace(/\/dicom-web$/, '');
const alive = async () => (await fetch(`${base}/system`).catch((e) => ({ ok: e.message }))).ok;
try {
  const uid = pacs.uploaded[0];
  const [pulled] = await pacsPull({ url: pacs.url, model: pacs.model, study: uid, out: pacs.tmp.file('plain'), threads: 1 });
  const files = pacs.studies.get(uid);
  const analysed = files.map((path) => ({ path, sop: '', sopClassUID: '', study: uid, series: '' }));
  const stub = { unavailable: 'x', overlay: () => Promise.reject(new Error('no')) };
  const pushed = await pushAnalysis(new DicomWeb(pacs.url), { study: pulled.study, model: { name: 'stub', created: 'now' }, analysed, attributions: stub });
  console.log('stub pushed', pushed.sr, 'alive?', await alive());
  for (let i = 0; i < 3; i++) {
    try {
      const [p2] = await pacsPull({ url: pacs.url, model: pacs.model, study: uid, out: pacs.tmp.file('b' + i), threads: 1 });
      console.log('pull', i, p2.instances, p2.refused.length, !!p2.study);
    } catch (e) { console.log('pull', i, 'ERR', e.message, e.cause?.message); }
    console.log('alive?', await alive());
  }
} finally { pacs.close(); }
