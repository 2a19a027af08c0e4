import assert from 'node:assert/strict';
import { describe, it, before } from 'node:test';
import { type CtSlice, loadSlice } from '../../src/dicom/load.js';
import { sliceTensor, tensorSpec } from '../../src/preprocess/tensor.js';
import { WINDOW_PRESETS } from '../../src/preprocess/window.js';
import { inspectFigure, inspectFigureLayout, type InspectPanel } from '../../src/figures/index.js';
import { decodePng, pngHeader, toByte, type Pixels } from './png.js';

const DATA = '/usr/lib/python3/dist-packages/pydicom/data/test_files';

function panel(layout: { panels: InspectPanel[] }, kind: InspectPanel['kind'], name?: string): InspectPanel {
  const p = layout.panels.find((q) => q.kind === kind && (name === undefined || q.windows[0]?.name === name));
  assert.ok(p, `no ${kind} ${name ?? ''} panel`);
  return p;
}

/** Grey value of a panel pixel, asserting it is grey and opaque. */
function grey(px: Pixels, p: InspectPanel, x: number, y: number): number {
  const [r, g, b, a] = px.at(p.x + x, p.y + y);
  assert.equal(a, 255);
  assert.ok(r === g && g === b, `panel ${p.title} (${x}, ${y}) is not grey: ${r},${g},${b}`);
  return r;
}

/** A byte that is the rounded exact value (float32 arithmetic may round an exact .5 either way). */
function assertRounded(got: number, exact: number, what: string): void {
  assert.ok(Math.abs(got - exact) <= 0.5 + 1e-3, `${what}: ${got}, exact ${exact}`);
}

/** A synthetic slice built on a real one: rows×columns, stored values from `stored`, HU = stored − 1024. */
function synthetic(base: CtSlice, rows: number, columns: number, stored: (r: number, c: number) => number, photometric = 'MONOCHROME2'): CtSlice {
  const s = new Int16Array(rows * columns);
  const hu = new Float32Array(rows * columns);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < columns; c++) {
      s[r * columns + c] = stored(r, c);
      hu[r * columns + c] = stored(r, c) - 1024;
    }
  }
  return {
    ...base,
    rows,
    columns,
    stored: s,
    hu,
    quirks: [],
    file: { ...base.file, header: { ...base.file.header, rows, columns, photometricInterpretation: photometric } },
  };
}

describe('inspectFigure on a real 512² head CT', () => {
  let slice: CtSlice;
  let png: Buffer;
  let px: Pixels;
  before(async () => {
    slice = await loadSlice(`${DATA}/J2K_pixelrep_mismatch.dcm`);
    png = inspectFigure(slice);
    px = await decodePng(png);
  });

  it('is a PNG of the laid-out size with six titled 256-px panels in order', () => {
    const layout = inspectFigureLayout(slice);
    assert.deepEqual(pngHeader(png), { width: layout.width, height: layout.height });
    assert.deepEqual(layout.panels.map((p) => p.title), ['stored values', 'HU', 'brain window', 'subdural window', 'soft window', 'stacked RGB']);
    assert.ok(layout.panels.every((p) => p.size === 256));
    assert.match(panel(layout, 'hu').subtitle, /−1000 … \+1000 HU/);
    assert.match(panel(layout, 'window', 'brain').subtitle, /C 40 \/ W 80/);
    assert.match(panel(layout, 'window', 'subdural').subtitle, /C 80 \/ W 200/);
    assert.match(panel(layout, 'window', 'soft').subtitle, /C 40 \/ W 380/);
    assert.equal(layout.title, 'J2K_pixelrep_mismatch.dcm');
    assert.match(layout.footer, /unsigned-codestream/);
    // Panels side by side, not overlapping, inside the figure.
    for (let i = 1; i < layout.panels.length; i++) assert.ok(layout.panels[i]!.x >= layout.panels[i - 1]!.x + 256);
    const last = layout.panels.at(-1)!;
    assert.ok(last.x + last.size <= layout.width && last.y + last.size <= layout.height);
  });

  it('brain window: 2×2 blocks all above 80 HU are white, all below 0 HU black, in between scaled', () => {
    const layout = inspectFigureLayout(slice);
    const brain = panel(layout, 'window', 'brain');
    let white = 0;
    let black = 0;
    let mid = 0;
    for (let y = 0; y < 256; y++) {
      for (let x = 0; x < 256; x++) {
        const i = 2 * y * 512 + 2 * x;
        const block = [slice.hu[i]!, slice.hu[i + 1]!, slice.hu[i + 512]!, slice.hu[i + 513]!];
        if (block.every((v) => v > 80)) {
          assert.equal(grey(px, brain, x, y), 255, `(${x}, ${y}) HU ${block} should be white`);
          white++;
        } else if (block.every((v) => v < 0)) {
          assert.equal(grey(px, brain, x, y), 0, `(${x}, ${y}) HU ${block} should be black`);
          black++;
        } else if (block.every((v) => v > 5 && v < 75)) {
          const mean = block.reduce((a, b) => a + b, 0) / 4;
          assert.ok(Math.abs(grey(px, brain, x, y) - (mean / 80) * 255) <= 1, `(${x}, ${y}) mean HU ${mean}`);
          mid++;
        }
      }
    }
    // The slice has skull, air and brain: every case was exercised many times.
    assert.ok(white > 1000 && black > 1000 && mid > 1000, `white ${white}, black ${black}, mid ${mid}`);
  });

  it('each window panel and the RGB panel equal the model tensor; RGB channels equal the windows', () => {
    const layout = inspectFigureLayout(slice);
    const tensor = sliceTensor(slice, tensorSpec(256, 'brain,subdural,soft'));
    const windows = ['brain', 'subdural', 'soft'].map((n) => panel(layout, 'window', n));
    const rgb = panel(layout, 'rgb');
    assert.deepEqual(rgb.windows.map((w) => w.name), ['brain', 'subdural', 'soft']);
    let differs = 0;
    for (let y = 0; y < 256; y++) {
      for (let x = 0; x < 256; x++) {
        const [r, g, b, a] = px.at(rgb.x + x, rgb.y + y);
        assert.equal(a, 255);
        const channels = [r, g, b];
        for (let c = 0; c < 3; c++) {
          const expected = toByte(tensor[c * 65536 + y * 256 + x]! * 255);
          assert.equal(grey(px, windows[c]!, x, y), expected);
          assert.equal(channels[c], expected, `RGB (${x}, ${y}) channel ${c}`);
        }
        if (r !== g || g !== b) differs++;
      }
    }
    assert.ok(differs > 1000, 'the stacked panel is actually colour');
  });

  it('HU panel maps -1000..1000 linearly, clipped', () => {
    const hu = panel(inspectFigureLayout(slice), 'hu');
    let checked = 0;
    for (let y = 0; y < 256; y += 3) {
      for (let x = 0; x < 256; x += 3) {
        const i = 2 * y * 512 + 2 * x;
        const block = [slice.hu[i]!, slice.hu[i + 1]!, slice.hu[i + 512]!, slice.hu[i + 513]!];
        const mean = block.map((v) => Math.min(1, Math.max(0, (v + 1000) / 2000))).reduce((a, b) => a + b, 0) / 4;
        assert.ok(Math.abs(grey(px, hu, x, y) - mean * 255) <= 1, `(${x}, ${y})`);
        checked++;
      }
    }
    assert.ok(checked > 7000);
  });
});

describe('inspectFigure on synthetic slices', () => {
  let base: CtSlice;
  before(async () => {
    base = await loadSlice(`${DATA}/CT_small.dcm`);
  });

  // 64×64 at panel size 64: one image pixel per panel pixel. Stored 824..1224+ → HU −200..+200+.
  const ramp = (r: number, c: number) => 824 + r * 7 + c;

  it('stored values span min..max; MONOCHROME1 inverts only them', async () => {
    const m2 = synthetic(base, 64, 64, ramp);
    const m1 = synthetic(base, 64, 64, ramp, 'MONOCHROME1');
    const layout = inspectFigureLayout(m1, { panelSize: 64 });
    const [px2, px1] = await Promise.all([decodePng(inspectFigure(m2, { panelSize: 64 })), decodePng(inspectFigure(m1, { panelSize: 64 }))]);
    const stored = panel(layout, 'stored');
    assert.equal(stored.title, 'stored values, inverted');
    assert.equal(stored.subtitle, 'min…max 824 … 1328, MONOCHROME1');
    assert.equal(panel(inspectFigureLayout(m2, { panelSize: 64 }), 'stored').title, 'stored values');
    assert.equal(grey(px2, stored, 0, 0), 0);
    assert.equal(grey(px2, stored, 63, 63), 255);
    assert.equal(grey(px1, stored, 0, 0), 255);
    assert.equal(grey(px1, stored, 63, 63), 0);
    for (let y = 0; y < 64; y++) {
      for (let x = 0; x < 64; x++) {
        const plain = grey(px2, stored, x, y);
        assertRounded(plain, ((ramp(y, x) - 824) / (1328 - 824)) * 255, `stored (${x}, ${y})`);
        assert.equal(grey(px1, stored, x, y), 255 - plain);
        for (const p of layout.panels.filter((q) => q.kind !== 'stored')) {
          assert.deepEqual(px1.at(p.x + x, p.y + y), px2.at(p.x + x, p.y + y), `${p.title} must not be inverted`);
        }
      }
    }
  });

  it("huRange 'minmax' stretches the slice's own range and says so", async () => {
    const s = synthetic(base, 64, 64, ramp);
    const layout = inspectFigureLayout(s, { panelSize: 64, huRange: 'minmax' });
    const hu = panel(layout, 'hu');
    assert.match(hu.subtitle, /min…max −200 … 304 HU/);
    const px = await decodePng(inspectFigure(s, { panelSize: 64, huRange: 'minmax' }));
    assert.equal(grey(px, hu, 0, 0), 0);
    assert.equal(grey(px, hu, 63, 63), 255);
    for (let y = 0; y < 64; y += 5) {
      for (let x = 0; x < 64; x += 3) assertRounded(grey(px, hu, x, y), ((ramp(y, x) - 824) / 504) * 255, `HU (${x}, ${y})`);
    }
  });

  it('centres a non-square image with black padding, also when inverted', async () => {
    const s = synthetic(base, 32, 64, () => 2000, 'MONOCHROME1');
    const t = { ...s, stored: s.stored.map((_, i) => (i % 2 ? 2000 : 0)) as Int16Array };
    const layout = inspectFigureLayout(t, { panelSize: 64 });
    const px = await decodePng(inspectFigure(t, { panelSize: 64 }));
    const brain = panel(layout, 'window', 'brain');
    for (const p of [brain, panel(layout, 'stored')]) {
      for (const y of [0, 15, 48, 63]) assert.equal(grey(px, p, 10, y), 0, `${p.title} padding row ${y}`);
    }
    for (const y of [16, 31, 47]) assert.equal(grey(px, brain, 10, y), 255, `image row ${y}`);
  });

  it('follows the windows option and rejects bad sizes', () => {
    const s = synthetic(base, 64, 64, ramp);
    const layout = inspectFigureLayout(s, { panelSize: 64, windows: 'bone,20/50' });
    assert.deepEqual(layout.panels.map((p) => p.title), ['stored values', 'HU', 'bone window', '20/50 window', 'stacked RGB']);
    assert.equal(panel(layout, 'rgb').subtitle, 'R bone · G 20/50');
    assert.deepEqual(panel(layout, 'window', 'bone').windows[0], WINDOW_PRESETS.bone);
    assert.throws(() => inspectFigureLayout(s, { panelSize: 32 }), /panel size 32/);
    assert.throws(() => inspectFigureLayout(s, { huRange: [100, 100] }), /HU range/);
    assert.equal(inspectFigureLayout(s, { title: false }).title, undefined);
    assert.ok(inspectFigureLayout(s, { title: false }).height < inspectFigureLayout(s).height);
  });
});
