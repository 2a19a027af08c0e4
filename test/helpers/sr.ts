// Reading back what a TID 1500 report says, from its data set as dcmjs naturalizes it (a sequence of
// one item may come back as the item itself).
import { LABELS, type Label } from '../../src/data/labels.js';

type Code = { CodeValue: string; CodingSchemeDesignator: string; CodeMeaning: string };
export type SrItem = { ValueType: string; ConceptNameCodeSequence?: Code | Code[]; ConceptCodeSequence?: Code | Code[]; TextValue?: string; UID?: string; MeasuredValueSequence?: unknown; ReferencedSOPSequence?: unknown; ContentSequence?: SrItem | SrItem[] };

export const one = <T>(v: T | T[]): T => (Array.isArray(v) ? v[0]! : v);
export const many = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
export const conceptOf = (i: SrItem) => (i.ConceptNameCodeSequence ? one(i.ConceptNameCodeSequence).CodeValue : undefined);

/** Every item of the tree, depth first. */
export const allItems = (items: SrItem[]): SrItem[] => items.flatMap((i) => [i, ...allItems(many(i.ContentSequence))]);

export interface ReportedGroup {
  label: Label;
  finding: string;
  trackingId?: string;
  trackingUid?: string;
  algorithm?: string;
  probability?: number;
  /** The qualitative evaluation's value: 52101004 present, 272519000 absent. */
  evaluation?: string;
  keySlices: string[];
  comment?: string;
}

/** The report's measurement groups, in order (one per label, LABELS order). */
export function reportedGroups(ds: { ContentSequence?: unknown }): ReportedGroup[] {
  const root = many(ds.ContentSequence as SrItem | SrItem[]);
  const measurements = root.find((i) => conceptOf(i) === '126010');
  return many(measurements?.ContentSequence).map((g, j) => {
    const items = many(g.ContentSequence);
    const by = (c: string) => items.find((i) => conceptOf(i) === c);
    const finding = one(by('121071')!.ConceptCodeSequence!).CodeValue;
    const num = by('122157');
    const evaluation = items.find((i) => i.ValueType === 'CODE' && conceptOf(i) === finding);
    return {
      label: LABELS[j]!,
      finding,
      trackingId: by('112039')?.TextValue,
      trackingUid: by('112040')?.UID,
      algorithm: by('111001')?.TextValue,
      probability: num ? Number(one(num.MeasuredValueSequence as { NumericValue: string })!.NumericValue) : undefined,
      evaluation: evaluation ? one(evaluation.ConceptCodeSequence!).CodeValue : undefined,
      keySlices: many(num?.ContentSequence).map((i) => one(i.ReferencedSOPSequence as { ReferencedSOPInstanceUID: string }).ReferencedSOPInstanceUID),
      comment: by('121106')?.TextValue,
    };
  });
}
