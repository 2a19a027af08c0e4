import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { initWeights, modelParams, openSession, runSession } from '../../src/engine/index.js';
import { baselineModel } from '../../src/models/baseline.js';
import { loadModelFolder, modelCard, saveModelFolder } from '../../src/models/folder.js';
import { readSafetensors } from '../../src/models/safetensors.js';
import { parseWindows } from '../../src/preprocess/window.js';
import { TempDir } from '../helpers/paths.js';
import { SYSTEM_PYTHON } from '../helpers/pydicom.js';

const tmp = new TempDir();
after(() => tmp.remove());

test('the baseline has the seed architecture: 3 conv blocks 32/64/128, dense 128, 6 outputs', () => {
  const params = modelParams(baselineModel());
  const shapes = Object.fromEntries(params.map((p) => [p.name, p.shape.join('x')]));
  assert.equal(shapes['conv1.weight'], '32x3x3x3');
  assert.equal(shapes['conv2.weight'], '64x32x3x3');
  assert.equal(shapes['conv3.weight'], '128x64x3x3');
  assert.equal(shapes['dense.weight']?.split('x').map(Number).reduce((a, b) => a * b, 1), 128 * 16 * 16 * 128);
  assert.equal(shapes['head.weight']?.split('x').map(Number).reduce((a, b) => a * b, 1), 128 * 6);
  assert.throws(() => baselineModel({ size: 100 }), /multiple of 8/);
});

test('a model folder round-trips: card, safetensors weights, and a model.onnx that ORT runs', async () => {
  const architecture = { name: 'baseline' as const, options: { size: 32 } };
  const model = baselineModel(architecture.options);
  const weights = initWeights(model, 7);
  const dir = tmp.file('model');
  saveModelFolder(dir, { card: modelCard(architecture, parseWindows('brain,subdural,soft'), 32), model, weights });
  const back = loadModelFolder(dir);
  assert.deepEqual(back.card.labels, ['any', 'epidural', 'intraparenchymal', 'intraventricular', 'subarachnoid', 'subdural']);
  for (const [name, data] of weights) assert.deepEqual(back.weights.get(name), data, name);
  const raw = readSafetensors(join(dir, 'weights.safetensors'));
  assert.equal(raw.metadata.architecture, 'baseline');

  const session = await openSession(readFileSync(join(dir, 'model.onnx')));
  const x = new Float32Array(2 * 3 * 32 * 32).map((_, i) => (i % 97) / 97);
  const out = await runSession(session, { input: { data: x, dims: [2, 3, 32, 32] } });
  const p = out.probabilities!;
  assert.deepEqual([...p.dims], [2, 6]);
  assert.ok(p.data.every((v) => v > 0 && v < 1), 'sigmoid outputs');
});

test("model.onnx passes Debian python3-onnx's checker", () => {
  const dir = tmp.file('checked');
  const architecture = { name: 'baseline' as const, options: { size: 32 } };
  const model = baselineModel(architecture.options);
  saveModelFolder(dir, { card: modelCard(architecture, parseWindows('brain,subdural,soft'), 32), model, weights: initWeights(model, 1) });
  const run = spawnSync(SYSTEM_PYTHON, ['-c', 'import onnx, sys; m = onnx.load(sys.argv[1]); onnx.checker.check_model(m, full_check=True); print(m.opset_import[0].version, m.ir_version)', join(dir, 'model.onnx')], { encoding: 'utf8' });
  assert.equal(run.status, 0, `onnx checker failed (install Debian python3-onnx): ${run.stderr}`);
  assert.match(run.stdout, /^17 8/);
});
