import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { test } from 'node:test';
import { LABELS, describeLabelReport, formatLabelRows, parseLabelsCsv, readLabelsCsv } from '../../src/data/labels.js';
import { TempDir } from '../helpers/paths.js';

const SUBTYPES_RSNA_ORDER = ['epidural', 'intraparenchymal', 'intraventricular', 'subarachnoid', 'subdural', 'any'];

function rows(sop: string, values: Record<string, number>): string[] {
  return SUBTYPES_RSNA_ORDER.map((s) => `${sop}_${s},${values[s] ?? 0}`);
}

test('labels are read into 6-vectors in the canonical order whatever the row order', () => {
  const lines = ['ID,Label', ...rows('ID_abc123', { subdural: 1, any: 1 }).reverse(), ...rows('ID_def456', {})];
  const { labels, report } = parseLabelsCsv(lines.join('\n'));
  assert.deepEqual(LABELS, ['any', 'epidural', 'intraparenchymal', 'intraventricular', 'subarachnoid', 'subdural']);
  assert.deepEqual(Array.from(labels.get('ID_abc123')!), [1, 0, 0, 0, 0, 1]);
  assert.deepEqual(Array.from(labels.get('ID_def456')!), [0, 0, 0, 0, 0, 0]);
  assert.equal(report.rows, 12);
  assert.deepEqual([report.duplicates, report.conflicts, report.unknownSubtypes, report.incomplete, report.malformed], [[], [], [], [], []]);
});

test('identical duplicate rows are merged and reported; conflicting ones keep the first value and are reported', () => {
  const lines = ['ID,Label', ...rows('ID_a', { any: 1, epidural: 1 }), 'ID_a_epidural,1', 'ID_a_subdural,1'];
  const { labels, report } = parseLabelsCsv(lines.join('\n'));
  assert.deepEqual(report.duplicates, ['ID_a_epidural']);
  assert.deepEqual(report.conflicts, ['ID_a_subdural']);
  assert.equal(labels.get('ID_a')![5], 0);
  assert.match(describeLabelReport(report).join('\n'), /1 duplicate rows merged: ID_a_epidural[\s\S]*1 conflicting rows/);
});

test('unknown subtypes, missing subtypes and malformed lines are reported with their IDs', () => {
  const lines = ['ID,Label', ...rows('ID_b', {}), 'ID_b_hematoma,1', 'ID_c_any,1', 'ID_c_epidural,0', 'garbage', 'ID_d_any,0.5', 'ID_e_any,'];
  const { labels, report } = parseLabelsCsv(lines.join('\n'));
  assert.deepEqual(report.unknownSubtypes, ['ID_b_hematoma']);
  assert.deepEqual(report.incomplete, [{ id: 'ID_c', missing: ['intraparenchymal', 'intraventricular', 'subarachnoid', 'subdural'] }]);
  assert.deepEqual(report.malformed.map((m) => m.line), [11, 12, 13]);
  assert.ok(Number.isNaN(labels.get('ID_c')![2]!));
});

test('probabilities are accepted only when asked for, and rows round-trip through formatLabelRows', async () => {
  const tmp = new TempDir();
  try {
    const csv = tmp.file('sub.csv');
    writeFileSync(csv, 'ID,Label\n' + formatLabelRows('ID_x', [0.9, 0.1, 0.25, 0, 1, 0.5]) + '\n');
    const strict = await readLabelsCsv(csv);
    assert.equal(strict.report.malformed.length, 4);
    const probs = await readLabelsCsv(csv, { probabilities: true });
    assert.deepEqual(Array.from(probs.labels.get('ID_x')!), [0.8999999761581421, 0.10000000149011612, 0.25, 0, 1, 0.5]);
    assert.equal(probs.report.malformed.length, 0);
  } finally {
    tmp.remove();
  }
});
