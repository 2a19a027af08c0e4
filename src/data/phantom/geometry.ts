// The shapes every phantom style shares: a head's geometry and how it is drawn from a style's
// ranges, how a study is stored, where a bleed sits.
import type { Label } from '../labels.js';
import type { Rng } from '../../shared/rng.js';

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


/** What style 'b' adds to a head: an irregular outline, a calcified falx, motion ghosting. */
export interface StyleBHead {
  /** Outline harmonics: the skull radius × (1 + Σ amplitude · sin(k θ + phase)). */
  outline: { k: number; amplitude: number; phase: number }[];
  falx?: { hu: number; from: number; to: number; width: number };
  /** Motion: the image blended with a copy shifted by (dx, dy) pixels at this weight. */
  motion?: { dx: number; dy: number; weight: number };
}

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

