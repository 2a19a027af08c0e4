import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DARK_THEME, createFigure, drawText, figureFontFamily, formatCount, formatSigned, toPng } from '../../src/figures/index.js';
import { decodePng } from './png.js';

describe('figure canvas helpers', () => {
  it('formats counts and signed numbers', () => {
    assert.equal(formatCount(752803), '752,803');
    assert.equal(formatCount(999), '999');
    assert.equal(formatSigned(-1000), '\u22121000');
    assert.equal(formatSigned(1000, true), '+1000');
    assert.equal(formatSigned(0, true), '0');
    assert.equal(formatSigned(-0.125), '\u22120.13');
  });

  it('has a font family and draws text that respects maxWidth', async () => {
    assert.match(figureFontFamily(), /sans-serif$/);
    const fig = createFigure(300, 40, DARK_THEME);
    const long = 'intraparenchymal intraventricular subarachnoid';
    const width = drawText(fig.ctx, long, 10, 28, { size: 16, color: '#ffffff', maxWidth: 100 });
    assert.ok(width <= 100 && width > 50, `drawn width ${width}`);
    const px = await decodePng(toPng(fig));
    let inside = 0;
    for (let y = 0; y < 40; y++) {
      for (let x = 0; x < 300; x++) {
        if (px.at(x, y)[0] > 128) {
          assert.ok(x >= 9 && x <= 111, `text pixel at x = ${x}`);
          inside++;
        }
      }
    }
    assert.ok(inside > 50, 'text was drawn');
  });
});
