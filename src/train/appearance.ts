// Scanner-appearance augmentation: what another scanner, kernel or calibration changes in a slice,
// applied to its windowed channels in Hounsfield units, so that a model does not learn one
// generator's (or one scanner's) noise and sharpness as evidence.
//
// Per slice: a Gaussian blur (a softer kernel) with probability ½; then HU' = gain·HU + offset + noise,
// the noise correlated over `grain` pixels (white noise blurred, rescaled to σ `noiseHu`), one field
// per slice shared by its windows. Each channel knows its window (centre, width), so a change of
// s HU moves it by s / width. Pixels the cache stored clipped (0 or 1: air, bone) keep their value:
// their HU is not known, and a change of a few HU does not unclip them on real scans either.
import { type ContextSpec, contextChannels } from '../preprocess/context.js';
import type { HuWindow } from '../preprocess/window.js';
import { blurInPlace, grainNoise } from '../preprocess/gaussian.js';

export interface Appearance {
  /** σ of the Gaussian blur, in pixels (0: none). */
  blur: number;
  gain: number;
  offsetHu: number;
  noiseHu: number;
  /** Correlation length of the noise, in pixels. */
  grain: number;
}

/** The ranges drawn from: blur σ ≤ 1.2 px half the time, gain ±6 %, offset ±6 HU, noise σ ≤ 12 HU, grain 0.5–1.5 px. */
export function randomAppearance(random: () => number): Appearance {
  const u = (lo: number, hi: number) => lo + (hi - lo) * random();
  return { blur: random() < 0.5 ? u(0.3, 1.2) : 0, gain: u(0.94, 1.06), offsetHu: u(-6, 6), noiseHu: u(0, 12), grain: u(0.5, 1.5) };
}

/** One channel's window and the slice (of a 2.5-D record) it belongs to. */
export interface ChannelWindow {
  center: number;
  width: number;
  slice: number;
}

/** Reusable buffers of applyAppearance for one image side. */
export class AppearanceScratch {
  readonly noise: Float32Array;
  readonly scratch: Float32Array;
  constructor(readonly size: number) {
    this.noise = new Float32Array(size * size);
    this.scratch = new Float32Array(size * size);
  }
}

const CLIPPED_LOW = 0.5 / 255;
const CLIPPED_HIGH = 254.5 / 255;

/**
 * Applies `a` in place to the C×N×N record at x[offset…] (values in [0, 1]); `channels[c]` says each
 * channel's window and slice; `normal()` draws N(0, 1).
 */
export function applyAppearance(x: Float32Array, offset: number, channels: readonly ChannelWindow[], a: Appearance, normal: () => number, buf: AppearanceScratch): void {
  const { size, noise, scratch } = buf;
  const plane = size * size;
  let noiseSlice = -1;
  channels.forEach((ch, c) => {
    const img = x.subarray(offset + c * plane, offset + (c + 1) * plane);
    if (a.noiseHu > 0 && ch.slice !== noiseSlice) {
      grainNoise(noise, size, a.grain, normal, scratch);
      noiseSlice = ch.slice;
    }
    if (a.blur > 0) blurInPlace(img, size, a.blur, scratch);
    const lo = ch.center - ch.width / 2;
    for (let p = 0; p < plane; p++) {
      const v = img[p]!;
      if (v <= CLIPPED_LOW || v >= CLIPPED_HIGH) continue;
      const hu = a.gain * (lo + v * ch.width) + a.offsetHu + (a.noiseHu > 0 ? a.noiseHu * noise[p]! : 0);
      const w = (hu - lo) / ch.width;
      img[p] = w < 0 ? 0 : w > 1 ? 1 : w;
    }
  });
}

/** The windows of a record's channels: the slice's C windows, then its neighbours' (2.5-D: the first window or all C of each). */
export function channelWindows(windows: readonly HuWindow[], context?: ContextSpec): ChannelWindow[] {
  const c = windows.length;
  const perNeighbour = context?.windows === 'all' ? c : 1;
  return Array.from({ length: contextChannels(c, context) }, (_, i) => {
    if (i < c) return { center: windows[i]!.center, width: windows[i]!.width, slice: 0 };
    const j = i - c;
    const w = windows[perNeighbour === 1 ? 0 : j % c]!;
    return { center: w.center, width: w.width, slice: 1 + Math.floor(j / perNeighbour) };
  });
}
