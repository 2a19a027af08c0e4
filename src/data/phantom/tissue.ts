/** Tissue classes of the phantom, one code per pixel (for tests and for painting bleeds). */
export const Tissue = {
  air: 0,
  scalp: 1,
  corticalBone: 2,
  diploe: 3,
  csf: 4,
  sulcus: 5,
  grey: 6,
  white: 7,
  ventricle: 8,
  cistern: 9,
  calcification: 10,
  blood: 11,
  edema: 12,
} as const;

export type TissueCode = (typeof Tissue)[keyof typeof Tissue];

/** The HU range each tissue must fall in (before noise), as the generator's specification states. */
export const TISSUE_HU: Record<keyof typeof Tissue, [number, number]> = {
  air: [-1000, -1000],
  scalp: [20, 40],
  corticalBone: [700, 1800],
  diploe: [700, 1800],
  csf: [0, 15],
  sulcus: [0, 15],
  grey: [33, 43],
  white: [22, 33],
  ventricle: [0, 15],
  cistern: [0, 15],
  calcification: [100, 400],
  blood: [50, 90],
  edema: [8, 22],
};
