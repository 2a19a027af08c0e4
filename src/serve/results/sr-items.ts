// SR content items as plain naturalized objects, made by dcmjs's content item classes (which check
// their value types): what the report (TID 1500) and the key object selection (TID 2010) are built of.
import dcmjs from 'dcmjs';
import { type Code, code } from './codes.js';

const { CodeContentItem, ContainerContentItem, ImageContentItem, NumContentItem, TextContentItem, UIDRefContentItem } = dcmjs.sr.valueTypes;

export type Item = Record<string, unknown>;
/** An instance an IMAGE item references. */
export type Instance = { sop: string; series: string; sopClassUID: string };

const plain = (i: object): Item => ({ ...i });
export const text = (rel: string, name: Code, value: string) => plain(new TextContentItem({ name, value, relationshipType: rel }));
export const coded = (rel: string, name: Code, value: Code) => plain(new CodeContentItem({ name, value, relationshipType: rel }));
export const uidRef = (rel: string, name: Code, value: string) => plain(new UIDRefContentItem({ name, value, relationshipType: rel }));
export const num = (rel: string, name: Code, value: number, unit: Code) => plain(new NumContentItem({ name, value, unit, relationshipType: rel }));

/** An IMAGE item; without `name` it has no concept name (an Image Library entry, a KOS reference). */
export function image(rel: string, i: Instance, name?: Code): Item {
  const item = plain(new ImageContentItem({ name: name ?? code('-', 'DCM', 'unnamed'), referencedSOPClassUID: i.sopClassUID, referencedSOPInstanceUID: i.sop, relationshipType: rel }));
  if (!name) delete item.ConceptNameCodeSequence;
  return item;
}

/** A CONTAINER item holding `children`, with its template when given (DCMR). */
export const container = (rel: string, name: Code, children: Item[], template?: string): Item => ({
  ...plain(new ContainerContentItem({ name, relationshipType: rel })),
  ...(template ? { ContentTemplateSequence: [{ MappingResource: 'DCMR', TemplateIdentifier: template }] } : {}),
  ContentSequence: children,
});
