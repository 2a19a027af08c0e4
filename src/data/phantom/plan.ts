import type { Label } from '../labels.js';
import { Rng, subSeed } from './random.js';
import { planHeadB, type StyleBHead, styleBBleed, styleBNoise } from './style-b.js';

export type Subtype = Exclude<Label, 'any'>;
export const SUBTYPES: readonly Subtype[] = ['epidural', 'intraparenchymal', 'intraventricular', 'subarachnoid', 'subdural'];

/** How a head sits in the image and how thick its layers are (lengths in mm, positions in pixels). */
export interface HeadGeometry {
  size: number;
  /** mm per pixel. */
  spacing: number;
  cx: number;
  cy: number;
  /** In-plane rotation of the head, radians. */
  tilt: number;
  /** Semi-axes of the outer skull surface at the widest level, in pixels: left–right and front–back. */
  halfWidth: number;
  halfLength: number;
  scalp: number;
  outerTable: number;
  diploe: number;
  innerTable: number;
  csfRim: number;
  cortex: number;
  /** Tissue values of this head, HU. */
  grey: number;
  white: number;
  csf: number;
  scalpHu: number;
  corticalBone: number;
  diploeHu: number;
  /** Sulci: angle (radians), depth into the brain (mm), width (mm). */
  sulci: { angle: number; depth: number; width: number }[];
  /** Low-frequency texture of the parenchyma. */
  texture: { fu: number; fv: number; pu: number; pv: number; amplitude: number }[];
  pineal?: { hu: number; radius: number };
  choroid?: { hu: number; radius: number };
  /** Strength of beam-hardening streaks at the skull base, HU. */
  streaks: number;
  /** Style 'b' only: outline harmonics, falx calcification, motion. */
  styleB?: StyleBHead;
}

/** How the scanner stores the pixels. */
export interface StoragePlan {
  pixelRepresentation: 0 | 1;
  bitsStored: number;
  rescaleSlope: number;
  rescaleIntercept: number;
  /** RSNA 12-bit wrap: HU stored modulo 4096 with a small intercept. */
  rsnaWrap: boolean;
  /** Stored value outside the scan circle (-2000 HU style padding), if the scanner pads. */
  padding?: number;
  multiValuedWindow: boolean;
  compression?: 'rle' | 'jpeg-ls' | 'jpeg-lossless';
  noise: number;
  blur: number;
  /** Style 'b' only: σ (pixels) of the blur that makes the noise correlated (coarse grain). */
  grain?: number;
}

/** One bleed: where it is in 3-D (z in slice units along the series, angles in radians) and how big. */
export interface BleedPlan {
  subtype: Subtype;
  hu: number;
  /** Centre slice position (0 = first slice) and half extent in slices. */
  zCenter: number;
  zHalf: number;
  /** Angle around the head (extra-axial and sulcal bleeds) or position (intraparenchymal), and size in mm. */
  angle: number;
  halfAngle: number;
  thickness: number;
  /** Intraparenchymal: position in head coordinates (fractions of the half axes) and radius in mm. */
  u: number;
  v: number;
  radius: number;
  /** Intraventricular: fill level, the share of the ventricle's depth that is dependent blood. */
  level: number;
  /** Subarachnoid: also fills the basal cisterns. */
  cisterns: boolean;
  /** Irregularity of the outline (harmonics' phases). */
  phases: number[];
  /** Style 'b' only: a swirl of lower-density (unclotted) blood: its share, HU drop and scale (mm). */
  swirl?: { share: number; drop: number; scale: number };
  /** Style 'b' only: irregularity of an extra-axial bleed's inner edge (share of its thickness). */
  edge?: number;
}

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

type Range = readonly [number, number];

/** The ranges a style draws a head from (lengths in mm, HU, fractions of the image side). */
export interface HeadRanges {
  halfWidth: Range;
  /** Half width in mm (sets the pixel spacing). */
  halfWidthMm: Range;
  centre: number;
  tilt: number;
  aspect: Range;
  scalp: Range;
  outerTable: Range;
  diploe: Range;
  innerTable: Range;
  csfRim: Range;
  cortex: Range;
  grey: Range;
  white: Range;
  csf: Range;
  scalpHu: Range;
  corticalBone: Range;
  diploeHu: Range;
  sulci: { count: Range; depth: Range; width: Range };
  textureFrequency: Range;
  textureAmplitude: Range;
  pineal: { chance: number; hu: Range; radius: Range };
  choroid: { chance: number; hu: Range; radius: Range };
  streaks: Range;
}

/** Style a's heads. */
export const HEAD_RANGES_A: HeadRanges = {
  halfWidth: [0.3, 0.36], halfWidthMm: [68, 76], centre: 0.04, tilt: 0.2, aspect: [1.12, 1.28],
  scalp: [3.5, 6], outerTable: [1.5, 2.5], diploe: [2, 3.5], innerTable: [1.2, 2], csfRim: [0.8, 2], cortex: [2.8, 4],
  grey: [35, 41], white: [25, 31], csf: [3, 12], scalpHu: [20, 40], corticalBone: [1200, 1700], diploeHu: [720, 950],
  sulci: { count: [28, 44], depth: [5, 13], width: [0.9, 1.6] }, textureFrequency: [0.01, 0.04], textureAmplitude: [0.6, 1.6],
  pineal: { chance: 0.6, hu: [120, 380], radius: [1.5, 3] }, choroid: { chance: 0.7, hu: [110, 350], radius: [1.5, 3] }, streaks: [10, 35],
};

/** A head drawn from a style's ranges (the order of the draws is part of the style: the same seed, the same head). */
export function drawHead(rng: Rng, size: number, r: HeadRanges): HeadGeometry {
  const u = (range: Range) => rng.uniform(range[0], range[1]);
  const halfWidth = size * u(r.halfWidth);
  const spacing = u(r.halfWidthMm) / halfWidth;
  const calcification = (c: HeadRanges['pineal']) => (rng.chance(c.chance) ? { hu: u(c.hu), radius: u(c.radius) } : undefined);
  return {
    size,
    spacing,
    cx: size / 2 + rng.uniform(-r.centre, r.centre) * size,
    cy: size / 2 + rng.uniform(-r.centre, r.centre) * size,
    tilt: rng.uniform(-r.tilt, r.tilt),
    halfWidth,
    halfLength: halfWidth * u(r.aspect),
    scalp: u(r.scalp),
    outerTable: u(r.outerTable),
    diploe: u(r.diploe),
    innerTable: u(r.innerTable),
    csfRim: u(r.csfRim),
    cortex: u(r.cortex),
    grey: u(r.grey),
    white: u(r.white),
    csf: u(r.csf),
    scalpHu: u(r.scalpHu),
    corticalBone: u(r.corticalBone),
    diploeHu: u(r.diploeHu),
    sulci: Array.from({ length: rng.int(r.sulci.count[0], r.sulci.count[1]) }, () => ({ angle: rng.uniform(0, 2 * Math.PI), depth: u(r.sulci.depth), width: u(r.sulci.width) })),
    texture: Array.from({ length: 3 }, () => ({ fu: u(r.textureFrequency), fv: u(r.textureFrequency), pu: rng.uniform(0, 6.3), pv: rng.uniform(0, 6.3), amplitude: u(r.textureAmplitude) })),
    pineal: calcification(r.pineal),
    choroid: calcification(r.choroid),
    streaks: u(r.streaks),
  };
}

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
