import { Rng, subSeed } from '../../shared/rng.js';
import { type BleedPlan, drawHead, HEAD_RANGES_A, type HeadGeometry, type StoragePlan, type Subtype, SUBTYPES } from './geometry.js';
import { planHeadB, styleBBleed, styleBNoise } from './style-b.js';

export { drawHead, HEAD_RANGES_A, SUBTYPES, type BleedPlan, type HeadGeometry, type HeadRanges, type StoragePlan, type StyleBHead, type Subtype } from './geometry.js';

export interface StudyPlan {
  index: number;
  seed: number;
  patientID: string;
  studyInstanceUID: string;
  seriesInstanceUID: string;
  sopInstanceUIDs: string[];
  slices: number;
  /** Slice thickness and spacing, mm. */
  sliceSpacing: number;
  /** z of the first slice (skull base side), mm. */
  z0: number;
  /** InstanceNumber counts down the series in some scanners' studies. */
  reverseInstanceNumbers: boolean;
  head: HeadGeometry;
  storage: StoragePlan;
  bleeds: BleedPlan[];
}

export interface PlanOptions {
  seed: number;
  size: number;
  /** Target share of slices with any bleed (RSNA: about 0.14). */
  positiveShare: number;
  compress: boolean;
  /** Phantom style: 'a' (default) or 'b' (another look: see style-b.ts). */
  style?: PhantomStyle;
}

export type PhantomStyle = 'a' | 'b';
export const PHANTOM_STYLES: readonly PhantomStyle[] = ['a', 'b'];

/** Share of a positive study's slices that carry a bleed, on average (calibrates study positivity). */
const POSITIVE_SLICES_PER_POSITIVE_STUDY = 0.25;

const STORAGE_KINDS = ['signed-1024', 'signed-1024', 'unsigned-1024', 'signed-1000', 'signed-0', 'slope-half', 'rsna-wrap'] as const;

function planStorage(rng: Rng, index: number, compress: boolean): StoragePlan {
  // The first studies cycle through every storage kind, so that even small sets hold each one.
  const kind = index < STORAGE_KINDS.length ? STORAGE_KINDS[index]! : rng.pick(STORAGE_KINDS);
  const base = { multiValuedWindow: rng.chance(0.3), noise: rng.uniform(3, 10), blur: rng.uniform(0.45, 1.0) };
  const compression = compress && index % 3 === 1 ? (['rle', 'jpeg-ls', 'jpeg-lossless'] as const)[Math.floor(index / 3) % 3] : undefined;
  switch (kind) {
    case 'signed-1024':
      return { ...base, compression, pixelRepresentation: 1, bitsStored: 16, rescaleSlope: 1, rescaleIntercept: -1024, rsnaWrap: false, padding: -2000 };
    case 'unsigned-1024':
      return { ...base, compression, pixelRepresentation: 0, bitsStored: 12, rescaleSlope: 1, rescaleIntercept: -1024, rsnaWrap: false };
    case 'signed-1000':
      return { ...base, compression, pixelRepresentation: 1, bitsStored: 16, rescaleSlope: 1, rescaleIntercept: -1000, rsnaWrap: false, padding: -2000 };
    case 'signed-0':
      return { ...base, compression, pixelRepresentation: 1, bitsStored: 16, rescaleSlope: 1, rescaleIntercept: 0, rsnaWrap: false, padding: -2000 };
    case 'slope-half':
      return { ...base, compression, pixelRepresentation: 1, bitsStored: 16, rescaleSlope: 0.5, rescaleIntercept: -1024, rsnaWrap: false, padding: -4000 };
    case 'rsna-wrap':
      return { ...base, compression, pixelRepresentation: 0, bitsStored: 12, rescaleSlope: 1, rescaleIntercept: 1, rsnaWrap: true };
  }
}

function planBleed(rng: Rng, subtype: Subtype, slices: number): BleedPlan {
  const subtle = rng.chance(0.3);
  const zHalf = subtype === 'intraparenchymal' ? rng.uniform(1.2, 4) : rng.uniform(2, subtle ? 3.5 : 7);
  const zLow = subtype === 'intraventricular' ? 0.4 : subtype === 'subarachnoid' ? 0.2 : 0.3;
  const zHigh = subtype === 'intraventricular' ? 0.62 : 0.82;
  return {
    subtype,
    hu: rng.uniform(50, 90),
    zCenter: rng.uniform(zLow, zHigh) * (slices - 1),
    zHalf,
    angle: rng.uniform(0, 2 * Math.PI),
    halfAngle: subtype === 'epidural' ? rng.uniform(0.25, 0.55) : subtype === 'subdural' ? rng.uniform(0.6, 1.3) : rng.uniform(0.4, 1.1),
    thickness: subtype === 'epidural' ? (subtle ? rng.uniform(2, 5) : rng.uniform(6, 16)) : subtle ? rng.uniform(1.2, 3) : rng.uniform(3.5, 11),
    u: rng.uniform(-0.45, 0.45),
    v: rng.uniform(-0.5, 0.5),
    radius: subtle ? rng.uniform(2, 5) : rng.uniform(6, 18),
    level: rng.uniform(0.25, 0.7),
    cisterns: rng.chance(0.5),
    phases: Array.from({ length: 3 }, () => rng.uniform(0, 2 * Math.PI)),
  };
}

/** The plan of study `index` of a data set: everything random is drawn here, from the study's own seed. */
export function planStudy(index: number, opts: PlanOptions): StudyPlan {
  const seed = subSeed(opts.seed, index);
  const rng = new Rng(seed);
  const slices = rng.int(24, 40);
  // A golden-ratio sequence instead of coin flips: every prefix of the studies holds close to the
  // target share of positive studies, so small sets are not all-negative by chance.
  const share = Math.min(1, opts.positiveShare / POSITIVE_SLICES_PER_POSITIVE_STUDY);
  const phase = (subSeed(opts.seed, -1) / 2 ** 32 + index * 0.6180339887498949) % 1;
  const studyPositive = phase < share;
  const bleeds: BleedPlan[] = [];
  if (studyPositive) {
    const count = rng.chance(0.35) ? rng.int(2, 3) : 1;
    for (let i = 0; i < count; i++) bleeds.push(planBleed(rng, rng.pick(SUBTYPES), slices));
  }
  const id = () => `ID_${rng.hex(9)}`;
  const plan: StudyPlan = {
    index,
    seed,
    patientID: id(),
    studyInstanceUID: id(),
    seriesInstanceUID: id(),
    sopInstanceUIDs: Array.from({ length: slices }, id),
    slices,
    sliceSpacing: 5,
    z0: rng.uniform(-60, 20),
    reverseInstanceNumbers: rng.chance(0.2),
    head: drawHead(rng, opts.size, HEAD_RANGES_A),
    storage: planStorage(rng, index, opts.compress),
    bleeds,
  };
  if (opts.style !== 'b') return plan;
  // Style b: drawn after everything style a draws, so style a's files stay as they were.
  return { ...plan, head: planHeadB(rng, opts.size), storage: { ...plan.storage, ...styleBNoise(rng) }, bleeds: bleeds.map((b) => styleBBleed(rng, b)) };
}
