// 2.5-D inputs: a slice's windows stacked with windows of its neighbours along the series.
// Channel order: the C windows of slice t, then for t−K … t−1, t+1 … t+K the neighbour's first
// window ('first', the brain window by default) or all C windows ('all'). At the ends of a series the
// end slice stands in for the neighbours it lacks.

export interface ContextSpec {
  /** Neighbours on each side (K). */
  slices: number;
  /** Which windows of each neighbour: the first one, or all. */
  windows: 'first' | 'all';
}

export const CONTEXT_WINDOWS = ['first', 'all'] as const;

export function checkContext(ctx: ContextSpec): ContextSpec {
  if (!(Number.isInteger(ctx.slices) && ctx.slices >= 0 && ctx.slices <= 8)) throw new Error(`context ${ctx.slices}: expected an integer from 0 to 8 neighbours on each side`);
  if (!CONTEXT_WINDOWS.includes(ctx.windows)) throw new Error(`context windows '${ctx.windows}': expected ${CONTEXT_WINDOWS.join(' or ')}`);
  return ctx;
}

/** Input channels of a model that sees `channels` windows per slice with this context. */
export function contextChannels(channels: number, ctx: ContextSpec | undefined): number {
  if (!ctx || ctx.slices === 0) return channels;
  return channels + 2 * ctx.slices * (ctx.windows === 'all' ? channels : 1);
}

/** Offsets of the neighbours in channel order: −K … −1, 1 … K. */
export function contextOffsets(ctx: ContextSpec): number[] {
  const k = ctx.slices;
  return [...Array.from({ length: k }, (_, i) => i - k), ...Array.from({ length: k }, (_, i) => i + 1)];
}

/**
 * Writes the 2.5-D input of slice `t` of a series into `out` at `at`: `slice(j)` gives slice j's
 * C×plane record (j clamped to the series by this function), `plane` is N×N.
 */
export function stackContext<T extends Float32Array | Uint8Array>(slice: (j: number) => T, t: number, length: number, channels: number, plane: number, ctx: ContextSpec, out: T, at: number): void {
  const centre = slice(t);
  out.set(centre.subarray(0, channels * plane), at);
  let o = at + channels * plane;
  const take = (ctx.windows === 'all' ? channels : 1) * plane;
  for (const d of contextOffsets(ctx)) {
    const j = Math.min(length - 1, Math.max(0, t + d));
    out.set(slice(j).subarray(0, take), o);
    o += take;
  }
}
