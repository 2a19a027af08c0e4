// Results sent back over the DICOM network: `--push dimse://AET@host:port` stores each result object
// by C-STORE (dcmjs-dimse's client) in one association, calling AET as our AE title. An instance the
// peer does not store with a success or warning status is named in the error.
import dimse from 'dcmjs-dimse';
import { readDataset } from '../dicom/naturalized.js';
import { EXPLICIT_LITTLE_UID } from '../dicom/syntax.js';
import type { ResultSink } from './push.js';

const { Client, Dataset, requests, constants } = dimse;
const { CStoreRequest } = requests;
const { Status } = constants;

/** A DIMSE peer: its AE title and where it listens. */
export interface DimseTarget {
  aeTitle: string;
  host: string;
  port: number;
}

/** `dimse://AET@host:port` as a target; an error naming what is wrong otherwise. */
export function parseDimseTarget(url: string): DimseTarget {
  const m = /^dimse:\/\/([^@/]{1,16})@(\[[^\]]+\]|[^:/@]+):(\d{1,5})\/?$/.exec(url);
  if (!m) throw new Error(`${url}: expected dimse://AET@host:port (an AE title of 1 to 16 characters)`);
  const port = Number(m[3]);
  if (port < 1 || port > 65535) throw new Error(`${url}: port ${port} out of range`);
  return { aeTitle: m[1]!, host: m[2]!.replace(/^\[|\]$/g, ''), port };
}

/**
 * The data set of a Part 10 file written by ichdetect (explicit VR little endian), read with its
 * identifiers as stored: dcmjs-dimse's own reading keeps only the digits and dots of a UID, which
 * would move an RSNA-style study (`ID_<hex>`) to another.
 */
const datasetOf = (part10: Uint8Array) => new Dataset(readDataset(part10, true), EXPLICIT_LITTLE_UID);

/** A PACS (or any Storage SCP) reached by C-STORE. */
export class DimseSink implements ResultSink {
  constructor(private readonly target: DimseTarget, private readonly callingAeTitle = 'ICHDETECT', private readonly timeoutMs = 30_000) {}

  /** Sends every instance in one association; resolves with the SOPInstanceUIDs the peer stored (success or warning status). */
  store(instances: readonly Uint8Array[]): Promise<string[]> {
    const { host, port, aeTitle } = this.target;
    const where = `C-STORE to ${aeTitle}@${host}:${port}`;
    // dcmjs-dimse logs every PDU to stdout; what goes wrong is in the error instead.
    dimse.log.setLevel('silent');
    return new Promise((resolve, reject) => {
      const client = new Client();
      const stored: string[] = [];
      const failed: string[] = [];
      for (const bytes of instances) {
        const dataset = datasetOf(bytes);
        const sop = String(dataset.getElement('SOPInstanceUID'));
        const request = new CStoreRequest(dataset);
        request.on('response', (response: { getStatus(): number; getErrorComment(): string | undefined }) => {
          const status = response.getStatus();
          if (status === Status.Success || (status & 0xf000) === 0xb000) stored.push(sop);
          else failed.push(`${sop}: status 0x${status.toString(16).padStart(4, '0')}${response.getErrorComment() ? ` (${response.getErrorComment()})` : ''}`);
        });
        client.addRequest(request);
      }
      let error: Error | undefined;
      client.on('associationRejected', (r: { result: number; source: number; reason: number }) => {
        error = new Error(`${where}: association rejected (result ${r.result}, source ${r.source}, reason ${r.reason}); is ${this.callingAeTitle} a known calling AE title there?`);
      });
      client.on('networkError', (e: Error) => {
        error = new Error(`${where}: ${e.message}`);
      });
      client.on('closed', () => {
        if (error) reject(error);
        else if (failed.length) reject(new Error(`${where}: not stored: ${failed.join('; ')}`));
        else resolve(stored);
      });
      client.send(host, port, this.callingAeTitle, aeTitle, { connectTimeout: this.timeoutMs, associationTimeout: this.timeoutMs, pduTimeout: this.timeoutMs });
    });
  }
}
