// The PACS as `ich pacs pull` sees it: QIDO-RS, WADO-RS and STOW-RS through dicomweb-client
// (dcmjs-org), which speaks XMLHttpRequest; in Node each request gets an xhr2 one.
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import dicomweb, { type DICOMwebClient, type DicomJson, type RequestFailure } from 'dicomweb-client';
import XMLHttpRequest from 'xhr2';

// A connection per request, as a precaution: Node 20's global agents keep connections alive, and a
// request sent on a connection the server is just closing fails with no answer (status 0). Not seen
// here; the failures without an answer that were seen came from Orthanc crashing (see AS_STORED).
const agents = { httpAgent: new HttpAgent({ keepAlive: false }), httpsAgent: new HttpsAgent({ keepAlive: false }) };

/**
 * An xhr2 request for one call. `accept` replaces the Accept header the client sets: its
 * retrieveSeries refuses every explicit media type in 0.11.3 (it compares 'application/' with
 * 'application/dicom'), so the transfer syntax cannot be asked for through its options.
 */
function request(accept?: string) {
  const instance = new XMLHttpRequest();
  instance.nodejsSet(agents);
  if (accept) {
    const set = instance.setRequestHeader.bind(instance);
    instance.setRequestHeader = (name: string, value: string) => set(name, name.toLowerCase() === 'accept' ? accept : value);
  }
  return { instance };
}

/**
 * Instances as the PACS stores them (`transfer-syntax=*`): ichdetect decodes every syntax itself.
 * Without it a PACS transcodes to Explicit VR Little Endian, which costs time and, for the phantom's
 * JPEG-LS files, crashed Debian's Orthanc now and then (the connection reset, then refused).
 */
const AS_STORED = 'multipart/related; type="application/dicom"; transfer-syntax=*';

/** Reads (QIDO-RS, WADO-RS) are tried this many times when the connection fails without an answer (or WADO-RS answers without instances). */
const READ_ATTEMPTS = 2;

/** A tag's first value in DICOM JSON. */
export const jsonValue = (item: DicomJson | undefined, tag: string): unknown => item?.[tag]?.Value?.[0];

export class DicomWeb {
  private readonly client: DICOMwebClient;

  /** `url`: the DICOMweb root, e.g. http://pacs:8042/dicom-web; `token`: a bearer token, when the PACS needs one. */
  constructor(private readonly url: string, token?: string) {
    this.url = url.replace(/\/$/, '');
    this.client = new dicomweb.api.DICOMwebClient({ url: this.url, verbose: false, headers: token ? { Authorization: `Bearer ${token}` } : {} });
  }

  /**
   * Runs one request, `attempts` times at most while the connection fails without an answer (only
   * reads are repeated: a STOW-RS that may have arrived is not sent twice); a failure names the
   * request and the server's status.
   */
  private async run<T>(what: string, f: () => Promise<T>, attempts = 1): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await f();
      } catch (err) {
        const e = err as Partial<RequestFailure>;
        if (typeof e.status !== 'number') throw err;
        if (e.status === 0 && attempt < attempts) continue;
        const answer = e.status !== 0 ? `${e.status} ${e.request?.statusText ?? ''}`.trim() : e.request ? 'no answer' : (e.message ?? 'no answer');
        throw new Error(`${what} ${this.url}: ${answer}`, { cause: err });
      }
    }
  }

  /** QIDO-RS /studies with these query parameters. */
  searchStudies(query: Record<string, string>): Promise<DicomJson[]> {
    return this.run('QIDO-RS', () => this.client.searchForStudies({ queryParams: query, request: request() }), READ_ATTEMPTS);
  }

  /** QIDO-RS /studies/UID/series with these query parameters. */
  searchSeries(study: string, query: Record<string, string>): Promise<DicomJson[]> {
    return this.run('QIDO-RS', () => this.client.searchForSeries({ studyInstanceUID: study, queryParams: query, request: request() }), READ_ATTEMPTS);
  }

  /** WADO-RS: every instance of a series, PS3.10 bytes each, in the syntax the PACS stores (an answer without any counts as no answer: QIDO-RS found the series). */
  async retrieveSeries(study: string, series: string): Promise<Buffer[]> {
    const parts = await this.run('WADO-RS', async () => {
      const r = await this.client.retrieveSeries({ studyInstanceUID: study, seriesInstanceUID: series, request: request(AS_STORED) });
      if (r.length === 0) throw Object.assign(new Error(`no instance of series ${series} in the answer`), { status: 0 });
      return r;
    }, READ_ATTEMPTS);
    return parts.map((p) => Buffer.from(p));
  }

  /** WADO-RS metadata: each instance of a series as DICOM JSON. */
  seriesMetadata(study: string, series: string): Promise<DicomJson[]> {
    return this.run('WADO-RS', () => this.client.retrieveSeriesMetadata({ studyInstanceUID: study, seriesInstanceUID: series, request: request() }), READ_ATTEMPTS);
  }

  /** STOW-RS: stores PS3.10 instances; returns the SOPInstanceUIDs the PACS says it stored, and throws if it refused any. */
  async store(instances: readonly Uint8Array[]): Promise<string[]> {
    const datasets = instances.map((b) => b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer);
    const body = await this.run('STOW-RS', () => this.client.storeInstances({ datasets, request: request() }));
    const response = (typeof body === 'string' && body ? JSON.parse(body) : body ?? {}) as DicomJson;
    const uids = (sequence: string) => ((response[sequence]?.Value ?? []) as DicomJson[]).map((s) => String(jsonValue(s, '00081155')));
    const failed = uids('00081198');
    if (failed.length) throw new Error(`STOW-RS ${this.url}: the PACS refused ${failed.join(', ')}`);
    return uids('00081199');
  }
}
