/** A correction applied to, or an oddity found in, one file; named after the DICOM attribute involved. */
export interface Quirk {
  name: QuirkName;
  detail: string;
}

export type QuirkName =
  | 'no-meta-header'
  | 'no-rescale'
  | 'unsigned-codestream'
  | 'masked-to-bits-stored'
  | 'rsna-12bit-wrap'
  | 'pixel-padding'
  | 'outside-scan-circle'
  | 'monochrome1'
  | 'multi-valued-window';

export const quirkDescriptions: Record<QuirkName, string> = {
  'no-meta-header': 'no Part 10 meta header; read as implicit VR little endian',
  'no-rescale': 'no RescaleSlope/RescaleIntercept; 1 and 0 assumed',
  'unsigned-codestream': 'PixelRepresentation 1 but the codestream is unsigned; values sign-extended from BitsStored',
  'masked-to-bits-stored': 'stored values had bits set above BitsStored; masked off (and sign-extended)',
  'rsna-12bit-wrap': 'BitsStored 12, unsigned, RescaleIntercept > -100: HU wrapped modulo 4096; unwrapped with intercept -1000',
  'pixel-padding': 'pixels equal to PixelPaddingValue; treated as air',
  'outside-scan-circle': 'pixels at or below -2000 HU outside the scan circle; below every window',
  monochrome1: 'MONOCHROME1: displayed inverted; HU unchanged',
  'multi-valued-window': 'WindowCenter/WindowWidth hold several values; the first is used',
};
