// Phantom style 'b': a second look for the same anatomy, to train on one style and measure on the
// other. Wider and other head outlines (harmonic bumps, rounder or longer), thinner and thicker,
// lighter and denser skulls, coarser correlated noise and sharper or softer kernels, bleeds of wider
// density (hyperacute to subacute, with a swirl of unclotted blood) and irregular extra-axial
// outlines, and hard negatives the default style lacks: falx calcification, strong beam hardening,
// patient motion.
import type { BleedPlan, HeadGeometry, StoragePlan } from './plan.js';
import type { Rng } from './random.js';

/** What style 'b' adds to a head: an irregular outline, a calcified falx, motion ghosting. */
export interface StyleBHead {
  /** Outline harmonics: the skull radius × (1 + Σ amplitude · sin(k θ + phase)). */
  outline: { k: number; amplitude: number; phase: number }[];
  falx?: { hu: number; from: number; to: number; width: number };
  /** Motion: the image blended with a copy shifted by (dx, dy) pixels at this weight. */
  motion?: { dx: number; dy: number; weight: number };
}

/** Style-b head geometry (the fields the renderer shares with the default style, drawn from other ranges). */
export function planHeadB(rng: Rng, size: number): HeadGeometry & { styleB: StyleBHead } {
  const halfWidth = size * rng.uniform(0.25, 0.4);
  const spacing = rng.uniform(62, 82) / halfWidth;
  return {
    size, spacing,
    cx: size / 2 + rng.uniform(-0.07, 0.07) * size,
    cy: size / 2 + rng.uniform(-0.07, 0.07) * size,
    tilt: rng.uniform(-0.5, 0.5),
    halfWidth,
    halfLength: halfWidth * rng.uniform(0.98, 1.4),
    scalp: rng.uniform(2, 9),
    outerTable: rng.uniform(0.8, 4),
    diploe: rng.uniform(0.6, 6),
    innerTable: rng.uniform(0.6, 3),
    csfRim: rng.uniform(0.3, 3.2),
    cortex: rng.uniform(2, 5),
    grey: rng.uniform(30, 45),
    white: rng.uniform(20, 34),
    csf: rng.uniform(0, 15),
    scalpHu: rng.uniform(-40, 60),
    corticalBone: rng.uniform(900, 2200),
    diploeHu: rng.uniform(400, 1100),
    sulci: Array.from({ length: rng.int(12, 60) }, () => ({ angle: rng.uniform(0, 2 * Math.PI), depth: rng.uniform(3, 18), width: rng.uniform(0.6, 2.6) })),
    texture: Array.from({ length: 3 }, () => ({ fu: rng.uniform(0.02, 0.12), fv: rng.uniform(0.02, 0.12), pu: rng.uniform(0, 6.3), pv: rng.uniform(0, 6.3), amplitude: rng.uniform(0.5, 3) })),
    pineal: rng.chance(0.8) ? { hu: rng.uniform(100, 600), radius: rng.uniform(1, 4.5) } : undefined,
    choroid: rng.chance(0.85) ? { hu: rng.uniform(100, 600), radius: rng.uniform(1, 4.5) } : undefined,
    streaks: rng.uniform(20, 90),
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
