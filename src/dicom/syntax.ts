/** Transfer syntaxes ichdetect reads, keyed by UID, with the codec family that decodes them. */
export type CodecFamily =
  | 'native'
  | 'rle'
  | 'jpeg-lossless'
  | 'jpeg-ls'
  | 'jpeg-2000'
  | 'jpeg-baseline';

export interface TransferSyntax {
  uid: string;
  name: string;
  codec: CodecFamily;
  /** True when pixel data are stored as encapsulated fragments. */
  encapsulated: boolean;
  lossy: boolean;
}

const table: TransferSyntax[] = [
  { uid: '1.2.840.10008.1.2', name: 'Implicit VR Little Endian', codec: 'native', encapsulated: false, lossy: false },
  { uid: '1.2.840.10008.1.2.1', name: 'Explicit VR Little Endian', codec: 'native', encapsulated: false, lossy: false },
  { uid: '1.2.840.10008.1.2.1.99', name: 'Deflated Explicit VR Little Endian', codec: 'native', encapsulated: false, lossy: false },
  { uid: '1.2.840.10008.1.2.2', name: 'Explicit VR Big Endian', codec: 'native', encapsulated: false, lossy: false },
  { uid: '1.2.840.10008.1.2.5', name: 'RLE Lossless', codec: 'rle', encapsulated: true, lossy: false },
  { uid: '1.2.840.10008.1.2.4.57', name: 'JPEG Lossless, Non-Hierarchical (Process 14)', codec: 'jpeg-lossless', encapsulated: true, lossy: false },
  { uid: '1.2.840.10008.1.2.4.70', name: 'JPEG Lossless, Process 14, SV1', codec: 'jpeg-lossless', encapsulated: true, lossy: false },
  { uid: '1.2.840.10008.1.2.4.80', name: 'JPEG-LS Lossless', codec: 'jpeg-ls', encapsulated: true, lossy: false },
  { uid: '1.2.840.10008.1.2.4.81', name: 'JPEG-LS Near-Lossless', codec: 'jpeg-ls', encapsulated: true, lossy: true },
  { uid: '1.2.840.10008.1.2.4.90', name: 'JPEG 2000 Lossless', codec: 'jpeg-2000', encapsulated: true, lossy: false },
  { uid: '1.2.840.10008.1.2.4.91', name: 'JPEG 2000', codec: 'jpeg-2000', encapsulated: true, lossy: true },
  { uid: '1.2.840.10008.1.2.4.50', name: 'JPEG Baseline (Process 1)', codec: 'jpeg-baseline', encapsulated: true, lossy: true },
];

const byUid = new Map(table.map((t) => [t.uid, t]));

/** The transfer syntax with this UID, or undefined when ichdetect cannot decode it. */
export function transferSyntax(uid: string): TransferSyntax | undefined {
  return byUid.get(uid);
}

export const supportedTransferSyntaxes: readonly TransferSyntax[] = table;

export const BIG_ENDIAN_UID = '1.2.840.10008.1.2.2';
export const IMPLICIT_LITTLE_UID = '1.2.840.10008.1.2';
export const EXPLICIT_LITTLE_UID = '1.2.840.10008.1.2.1';
export const DEFLATED_UID = '1.2.840.10008.1.2.1.99';
