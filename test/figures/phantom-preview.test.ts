import assert from 'node:assert/strict';
import { describe, it, before } from 'node:test';
import {
  LABEL_COLORS,
  maskOutline,
  phantomPreview,
  phantomPreviewLayout,
  type PreviewExample,
  type PreviewPanel,
  type PreviewRow,
} from '../../src/figures/index.js';
import { decodePng, hexRgb, pngHeader, toByte, type Pixels } from './png.js';

/** A disk of 60 HU blood on 30 HU brain (the disk is the mask), centred unless cx/cy say otherwise. */
function disk(rows: number, columns: number, radius: number, caption?: string, cx = columns / 2, cy = rows / 2): PreviewExample {
  const hu = new Float32Array(rows * columns);
  const mask = new Uint8Array(rows * columns);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < columns; c++) {
      const inside = Math.hypot(c + 0.5 - cx, r + 0.5 - cy) < radius;
      hu[r * columns + c] = inside ? 60 : 30;
      mask[r * columns + c] = inside ? 1 : 0;
    }
  }
  return { hu, rows, columns, mask, caption };
}

function blank(rows: number, columns: number): PreviewExample {
  return { hu: new Float32Array(rows * columns).fill(30), rows, columns, mask: new Uint8Array(rows * columns) };
}

function sameRgb(px: Pixels, x: number, y: number, rgb: readonly [number, number, number]): boolean {
  const [r, g, b] = px.at(x, y);
  return r === rgb[0] && g === rgb[1] && b === rgb[2];
}

/** size×size: 1 where the panel pixel has exactly colour rgb. */
function colourMap(px: Pixels, p: PreviewPanel, rgb: readonly [number, number, number]): Uint8Array {
  const out = new Uint8Array(p.size * p.size);
  for (let y = 0; y < p.size; y++) for (let x = 0; x < p.size; x++) out[y * p.size + x] = sameRgb(px, p.x + x, p.y + y, rgb) ? 1 : 0;
  return out;
}

function count(a: Uint8Array): number {
  let n = 0;
  for (const v of a) n += v;
  return n;
}

function panelOf(panels: PreviewPanel[], row: number, example: number, window: string, outline: boolean): PreviewPanel {
  const p = panels.find((q) => q.row === row && q.example === example && q.window.name === window && q.outline === outline);
  assert.ok(p, `no panel row ${row} example ${example} ${window}${outline ? ' + mask' : ''}`);
  return p;
}

/** Grey value of a panel pixel, asserting it is grey and opaque. */
function grey(px: Pixels, p: PreviewPanel, x: number, y: number): number {
  const [r, g, b, a] = px.at(p.x + x, p.y + y);
  assert.equal(a, 255);
  assert.ok(r === g && g === b, `${p.title} (${x}, ${y}) is not grey: ${r},${g},${b}`);
  return r;
}

const LABELS = ['epidural', 'intraparenchymal', 'intraventricular', 'subarachnoid', 'subdural'] as const;
const ALL_COLOURS = Object.values(LABEL_COLORS).map(hexRgb);

describe('phantomPreview layout', () => {
  const rowsOf = (n: number, m: number): PreviewRow[] =>
    Array.from({ length: n }, (_, i) => ({ label: LABELS[i % LABELS.length]!, examples: Array.from({ length: m }, () => disk(64, 64, 10)) }));

  it('the PNG has the laid-out size for N rows × M examples, four panels per example', () => {
    for (const [n, m] of [[1, 1], [3, 2], [6, 3]] as const) {
      const rows = rowsOf(n, m);
      const layout = phantomPreviewLayout(rows, { panelSize: 96 });
      assert.deepEqual(pngHeader(phantomPreview(rows, { panelSize: 96 })), { width: layout.width, height: layout.height });
      assert.equal(layout.panels.length, n * m * 4);
      assert.equal(layout.rows.length, n);
      assert.ok(layout.panels.every((p) => p.size === 96 && p.x >= 0 && p.y >= 0 && p.x + p.size <= layout.width && p.y + p.size <= layout.height));
    }
    // Each extra example adds the same width, each extra row the same height.
    const w = [1, 2, 3].map((m) => phantomPreviewLayout(rowsOf(2, m)).width);
    const h = [1, 2, 3].map((n) => phantomPreviewLayout(rowsOf(n, 2)).height);
    assert.equal(w[2]! - w[1]!, w[1]! - w[0]!);
    assert.equal(h[2]! - h[1]!, h[1]! - h[0]!);
    assert.ok(w[1]! - w[0]! > 4 * 160 && h[1]! - h[0]! > 160);
  });

  it('orders panels brain | brain + mask | subdural | subdural + mask, rows stacked, columns aligned', () => {
    const layout = phantomPreviewLayout(rowsOf(3, 2));
    for (const row of layout.rows) {
      assert.deepEqual(row.panels.map((p) => `${p.example} ${p.title}`), [
        '0 brain', '0 brain + mask', '0 subdural', '0 subdural + mask',
        '1 brain', '1 brain + mask', '1 subdural', '1 subdural + mask',
      ]);
      for (let i = 1; i < row.panels.length; i++) assert.ok(row.panels[i]!.x >= row.panels[i - 1]!.x + row.panels[i - 1]!.size, 'panels do not overlap');
      assert.deepEqual(row.panels.map((p) => p.x), layout.rows[0]!.panels.map((p) => p.x));
      // Captions sit under the panels, before the next row.
      for (const c of row.captions) assert.ok(c.y > row.y + 160 && c.detailY > c.y);
    }
    for (let r = 1; r < layout.rows.length; r++) assert.ok(layout.rows[r]!.y > layout.rows[r - 1]!.captions[0]!.detailY);
    assert.match(panelOf(layout.panels, 0, 0, 'brain', false).subtitle, /C 40 \/ W 80/);
    assert.match(panelOf(layout.panels, 0, 0, 'subdural', false).subtitle, /C 80 \/ W 200/);
    assert.deepEqual(layout.rows.map((r) => r.color), ['epidural', 'intraparenchymal', 'intraventricular'].map((l) => LABEL_COLORS[l]));
  });

  it('captions show the given text and the bleed area and mean HU', () => {
    const rows: PreviewRow[] = [
      { label: 'subdural', examples: [disk(512, 512, 80, 'PH-0007 · rank 3 · thin'), disk(512, 512, 80)] },
      { label: 'negative', examples: [blank(512, 512)] },
    ];
    const layout = phantomPreviewLayout(rows);
    const bleed = rows[0]!.examples[0]!.mask.reduce((a, b) => a + b, 0);
    assert.equal(layout.rows[0]!.captions[0]!.text, 'PH-0007 · rank 3 · thin');
    assert.equal(layout.rows[0]!.captions[1]!.text, 'example 2');
    assert.equal(layout.rows[0]!.captions[0]!.detail, `512×512 · bleed ${bleed.toLocaleString('en-US')} px, mean 60 HU`);
    assert.equal(layout.rows[1]!.captions[0]!.detail, '512×512 · no bleed');
    assert.equal(layout.rows[1]!.color, undefined);
    assert.equal(layout.title, 'Synthetic head-CT phantoms');
    assert.equal(phantomPreviewLayout(rows, { title: 'Phantoms v2' }).title, 'Phantoms v2');
  });

  it('rejects bad input', () => {
    const bad = { ...disk(64, 64, 10), hu: new Float32Array(10) };
    assert.throws(() => phantomPreviewLayout([{ label: 'subdural', examples: [bad] }]), /10 HU values for 64×64/);
    assert.throws(() => phantomPreviewLayout([{ label: 'negative', examples: [disk(64, 64, 10)] }]), /negative example with \d+ mask pixels/);
    assert.throws(() => phantomPreviewLayout([]), /no rows/);
    assert.throws(() => phantomPreviewLayout([{ label: 'subdural', examples: [disk(64, 64, 10)] }], { panelSize: 20 }), /panel size 20/);
  });
});

describe('phantomPreview pixels: a 60 HU disk on 30 HU, 512² at 160 px panels', () => {
  const R = 80;
  const rows: PreviewRow[] = [
    ...LABELS.map((label) => ({ label, examples: [disk(512, 512, R, label)] })),
    { label: 'negative', examples: [blank(512, 512)] },
  ];
  let px: Pixels;
  const layout = phantomPreviewLayout(rows);
  before(async () => {
    px = await decodePng(phantomPreview(rows));
  });

  it('windows: blood 60 HU is (60 − 0)/80·255 in the brain window, (60 + 20)/200·255 in the subdural window', () => {
    for (let r = 0; r < rows.length; r++) {
      const brain = panelOf(layout.panels, r, 0, 'brain', false);
      const subdural = panelOf(layout.panels, r, 0, 'subdural', false);
      if (rows[r]!.label !== 'negative') {
        assert.equal(grey(px, brain, 80, 80), toByte((60 / 80) * 255));
        assert.equal(grey(px, subdural, 80, 80), toByte((80 / 200) * 255));
        // Inside the outlined panels the blood is drawn unchanged.
        assert.equal(grey(px, panelOf(layout.panels, r, 0, 'brain', true), 80, 80), toByte((60 / 80) * 255));
      }
      assert.equal(grey(px, brain, 30, 80), toByte((30 / 80) * 255));
      assert.equal(grey(px, subdural, 30, 80), toByte((50 / 200) * 255));
    }
  });

  it('outline: label colour exactly on the ring just outside the mask, nowhere inside or outside it', () => {
    const expected = maskOutline(rows[0]!.examples[0]!.mask, 512, 512, 160, layout.outlineWidth);
    assert.equal(layout.outlineWidth, 1);
    const rp = (R * 160) / 512;
    for (let r = 0; r < LABELS.length; r++) {
      const rgb = hexRgb(LABEL_COLORS[LABELS[r]!]!);
      for (const w of ['brain', 'subdural']) {
        const coloured = colourMap(px, panelOf(layout.panels, r, 0, w, true), rgb);
        assert.deepEqual(coloured, expected.outline, `${LABELS[r]} ${w} + mask`);
        assert.equal(count(colourMap(px, panelOf(layout.panels, r, 0, w, false), rgb)), 0, `${LABELS[r]} plain ${w} has no outline`);
      }
    }
    // Geometrically: the ring is a closed 1 px contour at the disk edge, outside every bleed pixel.
    let ring = 0;
    for (let y = 0; y < 160; y++) {
      for (let x = 0; x < 160; x++) {
        const d = Math.hypot(x + 0.5 - 80, y + 0.5 - 80);
        if (expected.outline[y * 160 + x]) {
          ring++;
          assert.ok(d > rp && d < rp + 2.2, `outline pixel (${x}, ${y}) at ${d.toFixed(2)} px from the centre; disk radius ${rp}`);
          assert.equal(expected.covered[y * 160 + x], 0);
        }
        if (d < rp - 1) assert.equal(expected.covered[y * 160 + x], 1, `(${x}, ${y}) inside the disk is covered`);
        if (d > rp + 1.5) assert.equal(expected.covered[y * 160 + x], 0, `(${x}, ${y}) outside the disk is not covered`);
      }
    }
    // Every direction crosses the ring.
    for (let a = 0; a < 360; a += 3) {
      const t = (a * Math.PI) / 180;
      let hit = false;
      for (let s = rp - 1; s < rp + 3 && !hit; s += 0.25) hit = expected.outline[Math.floor(80 + s * Math.sin(t)) * 160 + Math.floor(80 + s * Math.cos(t))] === 1;
      assert.ok(hit, `no outline at ${a}°`);
    }
    assert.ok(ring > 2 * Math.PI * rp * 0.9 && ring < 2 * Math.PI * rp * 1.6, `${ring} outline pixels`);
  });

  it('row headers: a stripe in the label colour; the negative row has no label-coloured pixel', () => {
    for (let r = 0; r < LABELS.length; r++) {
      const row = layout.rows[r]!;
      assert.ok(sameRgb(px, 22, row.y + 80, hexRgb(row.color!)), `${row.label} stripe`);
    }
    const neg = layout.rows[LABELS.length]!;
    assert.equal(neg.label, 'negative');
    for (let y = neg.y - 6; y < layout.height; y++) {
      for (let x = 0; x < layout.width; x++) {
        for (const rgb of ALL_COLOURS) assert.ok(!sameRgb(px, x, y, rgb), `label colour ${rgb.join(',')} at (${x}, ${y}) in the negative row`);
      }
    }
  });
});

describe('phantomPreview edge cases', () => {
  it('non-square slices are centred on black, the outline still on the mask boundary', async () => {
    // 256 rows × 512 columns at 128 px: the image takes rows 32..95 of each panel.
    const e = disk(256, 512, 60, 'wide');
    const rows: PreviewRow[] = [{ label: 'epidural', examples: [e] }];
    const layout = phantomPreviewLayout(rows, { panelSize: 128 });
    const px = await decodePng(phantomPreview(rows, { panelSize: 128 }));
    const brain = panelOf(layout.panels, 0, 0, 'brain', false);
    assert.equal(grey(px, brain, 64, 10), 0, 'padding above is black');
    assert.equal(grey(px, brain, 64, 120), 0, 'padding below is black');
    assert.equal(grey(px, brain, 64, 64), toByte((60 / 80) * 255), 'disk centre');
    assert.equal(grey(px, brain, 5, 64), toByte((30 / 80) * 255), 'brain at the left edge');
    const expected = maskOutline(e.mask, 256, 512, 128, 1);
    const coloured = colourMap(px, panelOf(layout.panels, 0, 0, 'brain', true), hexRgb(LABEL_COLORS.epidural!));
    assert.deepEqual(coloured, expected.outline);
    const rp = (60 * 128) / 512;
    for (let i = 0; i < coloured.length; i++) {
      if (!coloured[i]) continue;
      const d = Math.hypot((i % 128) + 0.5 - 64, Math.floor(i / 128) + 0.5 - 64);
      assert.ok(d > rp && d < rp + 2.2, `outline at ${d.toFixed(2)} px; radius ${rp}`);
    }
  });

  it('a bleed thinner than a panel pixel is still outlined on both sides, never covered', () => {
    // A 2-pixel-wide vertical band at 512² inside panel column 93 of 160 (source 297.6 … 300.8).
    const e = blank(512, 512);
    for (let r = 100; r < 400; r++) for (const c of [298, 299]) {
      e.mask[r * 512 + c] = 1;
      e.hu[r * 512 + c] = 60;
    }
    const { covered, outline } = maskOutline(e.mask, 512, 512, 160);
    const xs = [...covered.keys()].filter((i) => covered[i]).map((i) => i % 160);
    assert.deepEqual([...new Set(xs)], [93]);
    const row = 80 * 160;
    assert.deepEqual([92, 93, 94].map((x) => outline[row + x]), [1, 0, 1]);
  });

  it('panels of 240 px and more get a 2 px outline', async () => {
    const rows: PreviewRow[] = [{ label: 'subdural', examples: [disk(512, 512, 100)] }];
    const layout = phantomPreviewLayout(rows, { panelSize: 256, title: false });
    assert.equal(layout.outlineWidth, 2);
    const px = await decodePng(phantomPreview(rows, { panelSize: 256, title: false }));
    const p = panelOf(layout.panels, 0, 0, 'subdural', true);
    const coloured = colourMap(px, p, hexRgb(LABEL_COLORS.subdural!));
    assert.deepEqual(coloured, maskOutline(rows[0]!.examples[0]!.mask, 512, 512, 256, 2).outline);
    // Along the horizontal through the centre: bleed, then exactly two coloured pixels, then brain.
    const rp = (100 * 256) / 512;
    const right = Array.from({ length: 6 }, (_, k) => coloured[128 * 256 + 128 + rp - 1 + k]);
    assert.deepEqual(right, [0, 1, 1, 0, 0, 0]);
  });

  it('a negative-only preview has no label-coloured pixel at all', async () => {
    const rows: PreviewRow[] = [{ label: 'negative', examples: [blank(512, 512), blank(300, 400)] }];
    const png = phantomPreview(rows);
    const px = await decodePng(png);
    for (let i = 0; i < px.data.length; i += 4) {
      for (const rgb of ALL_COLOURS) assert.ok(!(px.data[i] === rgb[0] && px.data[i + 1] === rgb[1] && px.data[i + 2] === rgb[2]), `label colour at pixel ${i / 4}`);
    }
  });
});
