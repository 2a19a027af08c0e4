import { createHash, randomUUID } from 'node:crypto';

/**
 * ImplementationClassUID of files ichdetect writes: a UUID-derived UID under the 2.25 root
 * (PS3.5 B.2), which needs no registration.
 */
export const IMPLEMENTATION_CLASS_UID = '2.25.330717764044639122567587256727009277802';
/** ImplementationVersionName (SH, at most 16 characters). */
export const IMPLEMENTATION_VERSION_NAME = 'ICHDETECT_0_1';

export const CT_IMAGE_STORAGE_UID = '1.2.840.10008.5.1.4.1.1.2';

function uidFromHex(hex128: string): string {
  return `2.25.${BigInt(`0x${hex128}`).toString(10)}`;
}

/** A fresh valid UID (2.25 + a random UUID as a decimal integer, at most 44 characters). */
export function newUid(): string {
  return uidFromHex(randomUUID().replace(/-/g, ''));
}

/**
 * A valid UID derived deterministically from a name (e.g. an RSNA `ID_<hex>` string), as a
 * name-based (SHA-1, version 5 layout) UUID under 2.25: the same name always gives the same UID.
 */
export function uidFromName(name: string): string {
  const h = createHash('sha1').update(name, 'utf8').digest();
  h[6] = (h[6]! & 0x0f) | 0x50;
  h[8] = (h[8]! & 0x3f) | 0x80;
  return uidFromHex(h.subarray(0, 16).toString('hex'));
}
