// Phantom style 'b': a second look for the same anatomy, to train on one style and measure on the
// other. Wider and other head outlines (harmonic bumps, rounder or longer), thinner and thicker,
// lighter and denser skulls, coarser correlated noise and sharper or softer kernels, bleeds of wider
// density (hyperacute to subacute, with a swirl of unclotted blood) and irregular extra-axial
// outlines, and hard negatives the default style lacks: falx calcification, strong beam hardening,
// patient motion.
import { type BleedPlan, drawHead, type HeadGeometry, type HeadRanges, type StoragePlan, type StyleBHead } from './geometry.js';
import type { Rng } from '../../shared/rng.js';


/** Style b's heads: wider ranges everywhere, other tissue values, rounder or longer, off centre. */
export const HEAD_RANGES_B: HeadRanges = {
  halfWidth: [0.25, 0.4], halfWidthMm: [62, 82], centre: 0.07, tilt: 0.5, aspect: [0.98, 1.4],
  scalp: [2, 9], outerTable: [0.8, 4], diploe: [0.6, 6], innerTable: [0.6, 3], csfRim: [0.3, 3.2], cortex: [2, 5],
  grey: [30, 45], white: [20, 34], csf: [0, 15], scalpHu: [-40, 60], corticalBone: [900, 2200], diploeHu: [400, 1100],
  sulci: { count: [12, 60], depth: [3, 18], width: [0.6, 2.6] }, textureFrequency: [0.02, 0.12], textureAmplitude: [0.5, 3],
  pineal: { chance: 0.8, hu: [100, 600], radius: [1, 4.5] }, choroid: { chance: 0.85, hu: [100, 600], radius: [1, 4.5] }, streaks: [20, 90],
};

/** Style-b head geometry: drawn from HEAD_RANGES_B, then its outline, falx and motion. */
export function planHeadB(rng: Rng, size: number): HeadGeometry & { styleB: StyleBHead } {
  const head = drawHead(rng, size, HEAD_RANGES_B);
  return {
    ...head,
    styleB: {
      outline: [2, 3, 4, 5].map((k) => ({ k, amplitude: rng.uniform(0, 0.07 / Math.sqrt(k - 1)), phase: rng.uniform(0, 2 * Math.PI) })),
      falx: rng.chance(0.5) ? { hu: rng.uniform(150, 700), from: rng.uniform(-0.8, -0.2), to: rng.uniform(0.1, 0.7), width: rng.uniform(0.6, 1.8) } : undefined,
      motion: rng.chance(0.3) ? { dx: rng.uniform(-3, 3), dy: rng.uniform(-3, 3), weight: rng.uniform(0.1, 0.35) } : undefined,
    },
  };
}

/** Style-b scanner: more and coarser noise, sharper or softer reconstruction. */
export function styleBNoise(rng: Rng): Pick<StoragePlan, 'noise' | 'blur'> & { grain: number } {
  return { noise: rng.uniform(6, 18), blur: rng.uniform(0.3, 1.6), grain: rng.uniform(0.6, 1.8) };
}

/** Style-b bleed: density from hyperacute to subacute, a swirl of lower density, an irregular extra-axial edge. */
export function styleBBleed(rng: Rng, b: BleedPlan): BleedPlan {
  return {
    ...b,
    hu: rng.uniform(48, 100),
    thickness: b.thickness * rng.uniform(0.6, 1.5),
    radius: b.radius * rng.uniform(0.6, 1.4),
    swirl: rng.chance(0.5) ? { share: rng.uniform(0.15, 0.45), drop: rng.uniform(12, 30), scale: rng.uniform(1.5, 4) } : undefined,
    edge: rng.uniform(0, 0.35),
  };
}

/** The outline factor of a style-b head at head angle θ (1 for the default style). */
export function outlineFactor(s: StyleBHead | undefined, theta: number): number {
  if (!s) return 1;
  let f = 1;
  for (const h of s.outline) f += h.amplitude * Math.sin(h.k * theta + h.phase);
  return f;
}

/** A smooth pseudo-random field in [0, 1) at (u, v) pixels, period `scale` mm (for swirls). */
export function swirlField(u: number, v: number, scale: number, phase: number): number {
  const a = Math.sin(u / scale + phase) * Math.cos(v / (scale * 1.3) - phase);
  const b = Math.sin((u + v) / (scale * 0.7) + 2 * phase);
  return 0.5 + 0.25 * (a + b);
}
