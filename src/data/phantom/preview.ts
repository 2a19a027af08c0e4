import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadSlice } from '../../dicom/load.js';
import { type PreviewRow, phantomPreview } from '../../figures/phantom-preview.js';
import { readPhantomMasks } from './masks.js';
import { SUBTYPES } from './plan.js';

const EXAMPLES = 3;

/** Large, middling and small: the examples of a subtype span obvious to subtle bleeds. */
function spread<T>(sorted: T[], count: number): T[] {
  if (sorted.length <= count) return sorted;
  return Array.from({ length: count }, (_, k) => sorted[Math.round((k * (sorted.length - 1)) / (count - 1))]!);
}

async function example(dir: string, sop: string, mask: Uint8Array, caption: string) {
  try {
    const slice = await loadSlice(join(dir, 'images', `${sop}.dcm`));
    return { hu: slice.hu, rows: slice.rows, columns: slice.columns, mask, caption };
  } catch {
    return undefined; // a file cut by --corrupt
  }
}

/** Picks examples of every subtype (largest, median and smallest bleed, read back from the DICOM files) and negatives. */
export async function phantomPreviewRows(dir: string): Promise<PreviewRow[]> {
  const masks = readPhantomMasks(join(dir, 'masks'));
  const rows: PreviewRow[] = [];
  for (const subtype of SUBTYPES) {
    const candidates = [...masks.entries()]
      .map(([sop, m]) => ({ sop, mask: m.masks[subtype], area: m.masks[subtype].reduce((a, b) => a + b, 0) }))
      .filter((c) => c.area > 0)
      .sort((a, b) => b.area - a.area);
    const examples = [];
    for (const c of spread(candidates, EXAMPLES)) {
      const e = await example(dir, c.sop, c.mask, `${c.sop} · ${c.area} px`);
      if (e) examples.push(e);
    }
    if (examples.length) rows.push({ label: subtype, examples });
  }
  const negatives = [...masks.entries()].filter(([, m]) => SUBTYPES.every((s) => !m.masks[s].some((v) => v)));
  const examples = [];
  for (const [sop, m] of spread(negatives, EXAMPLES)) {
    const e = await example(dir, sop, new Uint8Array(m.rows * m.columns), sop);
    if (e) examples.push(e);
  }
  if (examples.length) rows.push({ label: 'negative', examples });
  return rows;
}

/** Draws the preview montage of the phantom set in `dir` into `png`. */
export async function writePhantomPreview(dir: string, png: string): Promise<void> {
  writeFileSync(png, phantomPreview(await phantomPreviewRows(dir)));
}
