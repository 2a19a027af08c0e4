/** A light geometric augmentation: optional left–right flip, then a small rotation and shift. */
export interface Augmentation {
  flip: boolean;
  /** Radians, about the image centre. */
  angle: number;
  /** Pixels (positive: content moves right / down). */
  dx: number;
  dy: number;
}

/** Draws an augmentation: flip with p = 0.5, rotation within ±maxDegrees, shift within ±maxShift of the side. */
export function randomAugmentation(random: () => number, maxDegrees = 8, maxShift = 0.04, size = 128): Augmentation {
  return {
    flip: random() < 0.5,
    angle: ((random() * 2 - 1) * maxDegrees * Math.PI) / 180,
    dx: (random() * 2 - 1) * maxShift * size,
    dy: (random() * 2 - 1) * maxShift * size,
  };
}

/**
 * Writes the augmented C×N×N record (uint8, /255) into `out` (float32) by inverse mapping with
 * bilinear interpolation; what comes from outside the image is 0 (air, below every window).
 */
export function augmentRecord(record: Uint8Array, channels: number, size: number, a: Augmentation, out: Float32Array, offset = 0): void {
  const c = (size - 1) / 2;
  const cos = Math.cos(a.angle);
  const sin = Math.sin(a.angle);
  const plane = size * size;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      // Output pixel → source pixel: undo the shift, then the rotation, then the flip.
      const ux = x - c - a.dx;
      const uy = y - c - a.dy;
      let sx = cos * ux + sin * uy + c;
      const sy = -sin * ux + cos * uy + c;
      if (a.flip) sx = size - 1 - sx;
      const x0 = Math.floor(sx);
      const y0 = Math.floor(sy);
      const fx = sx - x0;
      const fy = sy - y0;
      for (let ch = 0; ch < channels; ch++) {
        const base = ch * plane;
        const at = (xx: number, yy: number) => (xx >= 0 && xx < size && yy >= 0 && yy < size ? record[base + yy * size + xx]! : 0);
        const v = (1 - fy) * ((1 - fx) * at(x0, y0) + fx * at(x0 + 1, y0)) + fy * ((1 - fx) * at(x0, y0 + 1) + fx * at(x0 + 1, y0 + 1));
        out[offset + base + y * size + x] = v / 255;
      }
    }
  }
}
