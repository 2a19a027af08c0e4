// Text in DICOM's ISO 2022 code extensions (PS3.3 C.12.1.1.2, PS3.5 6.1.2.5): a Specific Character
// Set of several values (e.g. `\ISO 2022 IR 87` for Japanese, `\ISO 2022 IR 149` for Korean) whose
// strings switch character sets by escape sequences. dcmjs refuses such data sets; ichdetect reads
// them byte for byte and decodes each string here with the platform's decoders (EUC-JP, EUC-KR,
// GB18030, ISO 8859), so a derived object carries the patient's name as the source does, in UTF-8.

/** A graphic set that can be designated to G0 (7-bit bytes) or G1 (8-bit bytes). */
type GraphicSet = 'ascii' | 'romaji' | 'katakana' | 'jisx0208' | 'jisx0212' | 'ksx1001' | 'gb2312' | `iso-8859-${number}` | 'tis-620';

interface CodeState {
  g0: GraphicSet;
  g1?: GraphicSet;
}

const ESC = 0x1b;

/** Escape sequences (after ESC) and what they designate (PS3.3 tables C.12-3 and C.12-4). */
const ESCAPES: [number[], keyof CodeState, GraphicSet][] = [
  [[0x28, 0x42], 'g0', 'ascii'], // ESC ( B  ISO-IR 6
  [[0x28, 0x4a], 'g0', 'romaji'], // ESC ( J  ISO-IR 14
  [[0x29, 0x49], 'g1', 'katakana'], // ESC ) I  ISO-IR 13
  [[0x24, 0x42], 'g0', 'jisx0208'], // ESC $ B  ISO-IR 87
  [[0x24, 0x28, 0x44], 'g0', 'jisx0212'], // ESC $ ( D  ISO-IR 159
  [[0x24, 0x29, 0x43], 'g1', 'ksx1001'], // ESC $ ) C  ISO-IR 149
  [[0x24, 0x29, 0x41], 'g1', 'gb2312'], // ESC $ ) A  ISO-IR 58
  [[0x2d, 0x41], 'g1', 'iso-8859-1'], // ESC - A  ISO-IR 100
  [[0x2d, 0x42], 'g1', 'iso-8859-2'], // ISO-IR 101
  [[0x2d, 0x43], 'g1', 'iso-8859-3'], // ISO-IR 109
  [[0x2d, 0x44], 'g1', 'iso-8859-4'], // ISO-IR 110
  [[0x2d, 0x4c], 'g1', 'iso-8859-5'], // ISO-IR 144
  [[0x2d, 0x47], 'g1', 'iso-8859-6'], // ISO-IR 127
  [[0x2d, 0x46], 'g1', 'iso-8859-7'], // ISO-IR 126
  [[0x2d, 0x48], 'g1', 'iso-8859-8'], // ISO-IR 138
  [[0x2d, 0x4d], 'g1', 'iso-8859-9'], // ISO-IR 148
  [[0x2d, 0x62], 'g1', 'iso-8859-15'], // ISO-IR 203
  [[0x2d, 0x54], 'g1', 'tis-620'], // ISO-IR 166
];

/** The G0 and G1 sets a Specific Character Set term designates (its value 1 is every string's initial state). */
function designated(term: string): CodeState {
  const t = term.trim().replace(/^ISO 2022 /, '').replace(/^ISO_/, '');
  const latin: Record<string, GraphicSet> = { 'IR 100': 'iso-8859-1', 'IR 101': 'iso-8859-2', 'IR 109': 'iso-8859-3', 'IR 110': 'iso-8859-4', 'IR 144': 'iso-8859-5', 'IR 127': 'iso-8859-6', 'IR 126': 'iso-8859-7', 'IR 138': 'iso-8859-8', 'IR 148': 'iso-8859-9', 'IR 203': 'iso-8859-15', 'IR 166': 'tis-620' };
  if (t === 'IR 13') return { g0: 'romaji', g1: 'katakana' };
  if (t === 'IR 149') return { g0: 'ascii', g1: 'ksx1001' };
  if (t === 'IR 58') return { g0: 'ascii', g1: 'gb2312' };
  return { g0: 'ascii', g1: latin[t] };
}

/** Whether ichdetect decodes this Specific Character Set here (dcmjs decodes single, non-extension sets itself). */
export function needsIso2022(charsets: readonly string[]): boolean {
  return charsets.length > 1 || charsets.some((c) => c.trim().startsWith('ISO 2022') || c.trim() === 'ISO_IR 13');
}

const decoders = new Map<string, { decode(bytes: Uint8Array): string }>();
const decoder = (label: string) => {
  let d = decoders.get(label);
  if (!d) decoders.set(label, (d = new TextDecoder(label)));
  return d;
};

/** One run of bytes in one graphic set, as text. */
function decodeRun(set: GraphicSet, bytes: number[]): string {
  switch (set) {
    case 'ascii':
    case 'romaji':
      return String.fromCharCode(...bytes);
    case 'katakana':
      return String.fromCharCode(...bytes.map((b) => (b >= 0xa1 && b <= 0xdf ? 0xff61 + b - 0xa1 : 0xfffd)));
    case 'jisx0208':
      return decoder('euc-jp').decode(Uint8Array.from(bytes, (b) => b | 0x80));
    case 'jisx0212':
      return decoder('euc-jp').decode(Uint8Array.from(bytes.flatMap((b, i) => (i % 2 === 0 ? [0x8f, b | 0x80] : [b | 0x80]))));
    case 'ksx1001':
      return decoder('euc-kr').decode(Uint8Array.from(bytes));
    case 'gb2312':
      return decoder('gb18030').decode(Uint8Array.from(bytes));
    case 'tis-620':
      return decoder('windows-874').decode(Uint8Array.from(bytes));
    default:
      return decoder(set).decode(Uint8Array.from(bytes));
  }
}

const MULTI_BYTE_G0 = new Set<GraphicSet>(['jisx0208', 'jisx0212']);
/** Delimiters before which an encoder returns to the initial state: value (\), PN group (=) and component (^), CR, LF, FF, TAB. */
const DELIMITERS = new Set([0x5c, 0x3d, 0x5e, 0x0d, 0x0a, 0x0c, 0x09]);

/**
 * Decodes one text element's bytes (all its values) in the ISO 2022 code extensions `charsets`
 * (the Specific Character Set's values): escape sequences switch G0 and G1; at each delimiter met in
 * a single-byte G0 the initial state (value 1's sets) comes back, as PS3.5 6.1.2.5.3 has encoders do.
 */
export function decodeIso2022(bytes: Uint8Array, charsets: readonly string[]): string {
  const initial = designated(charsets[0] ?? '');
  let state: CodeState = { ...initial };
  let out = '';
  let run: number[] = [];
  let runSet: GraphicSet | undefined;
  const flush = () => {
    if (runSet && run.length) out += decodeRun(runSet, run);
    run = [];
    runSet = undefined;
  };
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    if (b === ESC) {
      const found = ESCAPES.find(([seq]) => seq.every((s, k) => bytes[i + 1 + k] === s));
      if (found) {
        flush();
        state = { ...state, [found[1]]: found[2] };
        i += found[0].length;
        continue;
      }
    }
    const set = b >= 0x80 ? state.g1 ?? 'iso-8859-1' : state.g0;
    if (b < 0x80 && !MULTI_BYTE_G0.has(state.g0) && DELIMITERS.has(b)) {
      flush();
      out += String.fromCharCode(b);
      state = { ...initial };
      continue;
    }
    if (set !== runSet) flush();
    runSet = set;
    run.push(b);
  }
  flush();
  return out;
}
