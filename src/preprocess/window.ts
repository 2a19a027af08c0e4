/** A display window on Hounsfield units: [center - width/2, center + width/2] maps to [0, 1]. */
export interface HuWindow {
  name: string;
  center: number;
  width: number;
}

export const WINDOW_PRESETS: Readonly<Record<string, HuWindow>> = {
  brain: { name: 'brain', center: 40, width: 80 },
  subdural: { name: 'subdural', center: 80, width: 200 },
  soft: { name: 'soft', center: 40, width: 380 },
  bone: { name: 'bone', center: 600, width: 2800 },
};

export const DEFAULT_WINDOWS = 'brain,subdural,soft';

/** Parses "brain,subdural,soft" or "40/80,600/2800" (center/width) into windows. */
export function parseWindows(spec: string): HuWindow[] {
  const parts = spec.split(',').map((s) => s.trim()).filter(Boolean);
  if (parts.length === 0) throw new Error('no window given');
  return parts.map((part) => {
    const preset = WINDOW_PRESETS[part];
    if (preset) return preset;
    const m = /^(-?\d+(?:\.\d+)?)\/(\d+(?:\.\d+)?)$/.exec(part);
    if (!m) throw new Error(`window "${part}" is neither a preset (${Object.keys(WINDOW_PRESETS).join(', ')}) nor CENTER/WIDTH`);
    const width = Number(m[2]);
    if (!(width > 0)) throw new Error(`window "${part}" has width ${width}; it must be positive`);
    return { name: part, center: Number(m[1]), width };
  });
}

/** Maps HU through a window into [0, 1], writing into `out` (allocated when omitted). */
export function windowImage(hu: Float32Array, w: HuWindow, out = new Float32Array(hu.length)): Float32Array {
  const low = w.center - w.width / 2;
  const scale = 1 / w.width;
  for (let i = 0; i < hu.length; i++) {
    const v = (hu[i]! - low) * scale;
    out[i] = v < 0 ? 0 : v > 1 ? 1 : v;
  }
  return out;
}
