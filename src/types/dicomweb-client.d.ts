// The part of dicomweb-client (dcmjs-org) that ichdetect uses, typed for Node: its own typings
// need the DOM's XMLHttpRequest and declare promises as plain arrays.
declare module 'dicomweb-client' {
  /** An XMLHttpRequest (in Node, one from xhr2), used for one request. */
  export interface Request {
    instance?: unknown;
  }
  /** DICOM JSON (PS3.18 F.2): elements by tag as 8 hex digits. */
  export type DicomJson = Record<string, { vr: string; Value?: unknown[] } | undefined>;
  /** What the client rejects with when the server answers with an error (status 0: no answer). */
  export interface RequestFailure extends Error {
    status: number;
    request?: { statusText?: string };
  }
  export class DICOMwebClient {
    constructor(options: { url: string; headers?: Record<string, string>; verbose?: boolean });
    searchForStudies(options: { queryParams?: Record<string, string>; request?: Request }): Promise<DicomJson[]>;
    searchForSeries(options: { studyInstanceUID?: string; queryParams?: Record<string, string>; request?: Request }): Promise<DicomJson[]>;
    /** The instances of a series, PS3.10 bytes each. */
    retrieveSeries(options: { studyInstanceUID: string; seriesInstanceUID: string; request?: Request }): Promise<ArrayBuffer[]>;
    retrieveSeriesMetadata(options: { studyInstanceUID: string; seriesInstanceUID: string; request?: Request }): Promise<DicomJson[]>;
    /** The response body (DICOM JSON as text, for Orthanc). */
    storeInstances(options: { datasets: ArrayBuffer[]; studyInstanceUID?: string; request?: Request }): Promise<unknown>;
  }
  const dicomweb: { api: { DICOMwebClient: typeof DICOMwebClient } };
  export default dicomweb;
}

declare module 'xhr2' {
  /** xhr2's Node extension: the agents its requests go through. */
  const XMLHttpRequest: new () => {
    nodejsSet(options: { httpAgent?: import('node:http').Agent; httpsAgent?: import('node:https').Agent }): void;
    setRequestHeader(name: string, value: string): void;
  };
  export default XMLHttpRequest;
}
