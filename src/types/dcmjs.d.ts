declare module 'dcmjs' {
  /** One element of a denaturalized data set, keyed by its tag as 8 hex digits ("00080018"). */
  export interface DicomElement {
    vr: string;
    Value: unknown[];
  }
  export type DenaturalizedDataset = Record<string, DicomElement>;
  export interface WriteOptions {
    allowInvalidVRLength?: boolean;
    /** Split encapsulated frames into 20 KiB fragments (dcmjs's default: true). */
    fragmentMultiframe?: boolean;
  }
  export class DicomDict {
    constructor(meta: DenaturalizedDataset);
    meta: DenaturalizedDataset;
    dict: DenaturalizedDataset;
    /** A whole Part 10 file: preamble, "DICM", meta group (explicit VR LE) and data set. */
    write(options?: WriteOptions): ArrayBuffer;
  }
  export class DicomMetaDictionary {
    /** Dictionary entries by keyword; `tag` is "(GGGG,EEEE)". */
    static nameMap: Record<string, { tag: string; vr: string; vm: string; name: string } | undefined>;
    /** Keyword-keyed values ("SOPInstanceUID": "…") to tag-keyed elements; `_vrMap` picks VRs for "US or SS" / "OB or OW". */
    static denaturalizeDataset(dataset: Record<string, unknown>): DenaturalizedDataset;
    static naturalizeDataset(dataset: DenaturalizedDataset): Record<string, unknown>;
  }
  export class WriteBufferStream {
    constructor(defaultSize: number, littleEndian?: boolean);
    size: number;
    /** A copy of the bytes written so far. */
    getBuffer(start?: number, end?: number): ArrayBuffer;
  }
  export class DicomMessage {
    static readFile(buffer: ArrayBuffer, options?: Record<string, unknown>): DicomDict;
    /** Writes the elements of `dataset` in tag order to `stream`; returns the bytes written. */
    static write(dataset: DenaturalizedDataset, stream: WriteBufferStream, syntax: string, options?: WriteOptions): number;
  }
  interface Logger {
    setLevel(level: 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'silent'): void;
    getLogger(name: string): Logger;
  }
  /** A coded concept of dcmjs's SR helpers: CodeValue, CodingSchemeDesignator, CodeMeaning. */
  export class CodedConcept {
    constructor(o: { value: string; schemeDesignator: string; meaning: string });
    CodeValue: string;
    CodingSchemeDesignator: string;
    CodeMeaning: string;
  }
  type Concept = { CodeValue: string; CodingSchemeDesignator: string; CodeMeaning: string };
  /** dcmjs's SR content items (naturalized objects): relationship, value type, concept name and value. */
  type ContentItem = new (o: { name: Concept; relationshipType: string; value?: unknown; unit?: Concept; referencedSOPClassUID?: string; referencedSOPInstanceUID?: string }) => object;
  const dcmjs: {
    sr: {
      coding: { CodedConcept: typeof CodedConcept };
      valueTypes: Record<'CodeContentItem' | 'ContainerContentItem' | 'ImageContentItem' | 'NumContentItem' | 'TextContentItem' | 'UIDRefContentItem', ContentItem>;
    };
    data: {
      DicomDict: typeof DicomDict;
      DicomMetaDictionary: typeof DicomMetaDictionary;
      DicomMessage: typeof DicomMessage;
      WriteBufferStream: typeof WriteBufferStream;
    };
    log: Logger;
  };
  export default dcmjs;
}
