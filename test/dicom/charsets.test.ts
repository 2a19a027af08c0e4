// Names in other scripts survive into the objects ichdetect writes: pydicom's character set files
// (Japanese, Korean and Chinese in ISO 2022 code extensions, GB18030, UTF-8, Latin-1) and a real CT
// of a Japanese hospital (pydicom's J2K_pixelrep_mismatch.dcm, `\ISO 2022 IR 87`) are read, copied
// into a derived object's header, written (UTF-8), and read back by pydicom: the names are pydicom's.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { encodeDataset } from '../../src/dicom/write.js';
import { readInstance } from '../../src/dicom/naturalized.js';
import { decodeIso2022 } from '../../src/dicom/iso2022.js';
import { derivedHeader } from '../../src/serve/results/derived.js';
import { SYSTEM_PYTHON } from '../helpers/pydicom.js';
import { pydicomFile, TempDir } from '../helpers/paths.js';

const CHARSETS = '/usr/lib/python3/dist-packages/pydicom/data/charset_files';
const FILES = ['chrH31', 'chrH32', 'chrJapMulti', 'chrKoreanMulti', 'chrI2', 'chrX1', 'chrX2', 'chrFrenMulti'].map((n) => join(CHARSETS, `${n}.dcm`));
const tmp = new TempDir();
after(() => tmp.remove());

/** pydicom's reading of each file's PatientName and StudyDescription, as text. */
function pydicomNames(files: string[]): { name: string; charset: string }[] {
  const script = 'import sys, json, pydicom\nout = []\nfor f in sys.argv[1:]:\n  d = pydicom.dcmread(f, stop_before_pixels=True)\n  out.append({"name": str(d.get("PatientName", "")), "charset": str(d.get("SpecificCharacterSet", ""))})\nprint(json.dumps(out))';
  const run = spawnSync(SYSTEM_PYTHON, ['-c', script, ...files], { encoding: 'utf8' });
  assert.equal(run.status, 0, `pydicom (Debian package python3-pydicom): ${run.stderr}`);
  return JSON.parse(run.stdout) as { name: string; charset: string }[];
}

const pn = (v: unknown) => {
  const g = ([] as unknown[]).concat(v)[0] as Record<string, string | undefined>;
  return [g.Alphabetic ?? '', g.Ideographic, g.Phonetic].filter((x) => x !== undefined).join('=');
};

test('patient names in ISO 2022 code extensions, GB18030, UTF-8 and Latin-1 read as pydicom reads them', () => {
  const files = [...FILES, pydicomFile('J2K_pixelrep_mismatch.dcm')];
  const expected = pydicomNames(files);
  assert.ok(expected.some((e) => /ISO 2022 IR 87/.test(e.charset)) && expected.some((e) => /ISO 2022 IR 149/.test(e.charset)), 'Japanese and Korean code extensions among them');
  files.forEach((f, i) => assert.equal(pn(readInstance(f).PatientName), expected[i]!.name, f));
});

test('a derived object copies those names and pydicom reads them back unchanged', () => {
  const written = FILES.map((f, i) => {
    const header = derivedHeader({ ...readInstance(f), StudyInstanceUID: `1.2.3.${i}` }, { sopClassUID: '1.2.840.10008.5.1.4.1.1.88.33', modality: 'SR', seriesNumber: 1, seriesDescription: 'test', model: { name: 'm', created: 'c' } });
    const out = tmp.file(`derived-${i}.dcm`);
    writeFileSync(out, encodeDataset(header));
    return out;
  });
  const source = pydicomNames(FILES);
  pydicomNames(written).forEach((w, i) => {
    assert.equal(w.name, source[i]!.name, FILES[i]);
    assert.equal(w.charset, 'ISO_IR 192', 'written in UTF-8');
  });
});

test('ISO 2022: escape sequences switch sets, delimiters in a single-byte set restore value 1, a kanji byte equal to "=" is no delimiter', () => {
  // ESC $ B then JIS X 0208 "山" (0x3B 0x33) and a kanji whose second byte is 0x3D ("=": 0x30 0x3D is 鞍), ESC ( B, then "=".
  const bytes = Uint8Array.from([0x41, 0x1b, 0x24, 0x42, 0x3b, 0x33, 0x30, 0x3d, 0x1b, 0x28, 0x42, 0x3d, 0xb1]);
  assert.equal(decodeIso2022(bytes, ['ISO 2022 IR 13', 'ISO 2022 IR 87']), `A山${new TextDecoder('euc-jp').decode(Uint8Array.from([0xb0, 0xbd]))}=ｱ`);
  // Korean: G1 KS X 1001 designated once, 8-bit bytes decoded as EUC-KR.
  assert.equal(decodeIso2022(Uint8Array.from([0x1b, 0x24, 0x29, 0x43, 0xb1, 0xe8]), ['', 'ISO 2022 IR 149']), '김');
});
