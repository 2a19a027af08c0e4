// The service on the DICOM network (DIMSE, dcmjs-dimse): a Storage SCP that takes C-STORE into the
// same store as STOW-RS uploads, and answers C-ECHO. Associations must call our AE title, and, when a
// list is given, come from a known calling AE title; others are refused at association. Each stored
// instance arrives as the data set bytes in the negotiated transfer syntax; it gets a File Meta
// Information group (Part 10) and goes through the same checks as an upload.
import { Writable } from 'node:stream';
import dimse from 'dcmjs-dimse';
import { IMPLICIT_LITTLE_UID, supportedTransferSyntaxes } from '../dicom/syntax.js';
import { encodeHeaderParts } from '../dicom/write-header.js';
import { fileMetaInformation } from '../dicom/write.js';

const { Server, Scp, Dataset, constants, responses } = dimse;
const { PresentationContextResult, RejectResult, RejectSource, RejectReason, SopClass, Status } = constants;

export interface DimseOptions {
  port: number;
  /** Address to bind (default 127.0.0.1). */
  host?: string;
  /** Our AE title: associations calling another are refused. */
  aeTitle: string;
  /** Calling AE titles allowed to associate (default: any). */
  callers?: readonly string[];
  /** Largest instance taken, bytes (default 512 MiB): beyond it the data set is not kept and the C-STORE fails. */
  maxInstanceBytes?: number;
}

/** What became of one C-STORE: stored, or refused with the reason (status C000 "cannot understand" with the reason as its error comment). */
export type StoreOutcome = { ok: true } | { ok: false; reason: string };

export interface DimseServer {
  /** The port it listens on (the one asked for, or the one the system chose for port 0). */
  port: number;
  close(): void;
}

/** C-STORE failure statuses (PS3.4 B.2.3): Refused, Out of Resources; Error, Cannot Understand. */
const OUT_OF_RESOURCES = 0xa700;
const CANNOT_UNDERSTAND = 0xc000;

/** Transfer syntaxes ichdetect decodes: of those a caller proposes for a context, the first it lists is taken (its own preference, so that nothing is transcoded). */
const ACCEPTED_SYNTAXES = new Set(supportedTransferSyntaxes.map((t) => t.uid));

/** A collecting stream for one C-STORE's data set, that stops keeping it past `limit` bytes. */
class Collector extends Writable {
  chunks: Buffer[] = [];
  bytes = 0;
  constructor(private readonly limit: number) {
    super();
  }
  get tooLarge(): boolean {
    return this.bytes > this.limit;
  }
  override _write(chunk: Buffer, _encoding: BufferEncoding, done: () => void): void {
    this.bytes += chunk.byteLength;
    if (this.tooLarge) this.chunks = [];
    else this.chunks.push(chunk);
    done();
  }
}

/** Part 10 bytes of a received data set: preamble, "DICM", the meta group naming its class, instance and transfer syntax, then the data set as it came. */
export function part10(dataset: Uint8Array, sopClassUID: string, sopInstanceUID: string, transferSyntaxUID: string): Uint8Array {
  const head = encodeHeaderParts(fileMetaInformation(sopClassUID, sopInstanceUID, transferSyntaxUID), {}, transferSyntaxUID);
  return Buffer.concat([...head, dataset]);
}

/** Listens for DIMSE associations; `store` receives each C-STORE's Part 10 bytes. */
export function startDimse(o: DimseOptions, store: (bytes: Uint8Array) => Promise<StoreOutcome>): Promise<DimseServer> {
  dimse.log.setLevel('silent');
  const callers = o.callers?.length ? new Set(o.callers.map((a) => a.trim())) : undefined;
  const maxBytes = o.maxInstanceBytes ?? 512 * 2 ** 20;

  class StorageScp extends Scp {
    /** Raw data set bytes by the Writable that collected them, until cStoreRequest takes them. */
    private readonly received = new WeakMap<object, Uint8Array>();

    override associationRequested(association: Parameters<InstanceType<typeof Scp>['associationRequested']>[0]): void {
      if (association.getCalledAeTitle().trim() !== o.aeTitle) {
        this.sendAssociationReject(RejectResult.Permanent, RejectSource.ServiceUser, RejectReason.CalledAeNotRecognized);
        return;
      }
      if (callers && !callers.has(association.getCallingAeTitle().trim())) {
        this.sendAssociationReject(RejectResult.Permanent, RejectSource.ServiceUser, RejectReason.CallingAeNotRecognized);
        return;
      }
      for (const { id } of association.getPresentationContexts()) {
        const context = association.getPresentationContext(id);
        const offered = context.getTransferSyntaxUids();
        if (context.getAbstractSyntaxUid() === SopClass.Verification) {
          context.setResult(PresentationContextResult.Accept, offered[0]);
          continue;
        }
        // Every storage class is accepted: what is not a usable CT slice is refused per instance, with its reason.
        const syntax = offered.find((uid) => ACCEPTED_SYNTAXES.has(uid));
        if (syntax) context.setResult(PresentationContextResult.Accept, syntax);
        else context.setResult(PresentationContextResult.RejectTransferSyntaxesNotSupported);
      }
      this.sendAssociationAccept();
    }

    override associationReleaseRequested(): void {
      this.sendAssociationReleaseResponse();
    }

    override cEchoRequest(request: Parameters<InstanceType<typeof Scp>['cEchoRequest']>[0], callback: Parameters<InstanceType<typeof Scp>['cEchoRequest']>[1]): void {
      const response = responses.CEchoResponse.fromRequest(request);
      response.setStatus(Status.Success);
      callback(response);
    }

    override createStoreWritableStream(): Writable {
      return new Collector(maxBytes);
    }

    override createDatasetFromStoreWritableStream(writable: Writable, context: Parameters<InstanceType<typeof Scp>['createDatasetFromStoreWritableStream']>[1], callback: (dataset: InstanceType<typeof Dataset>) => void): void {
      const dataset = new Dataset({}, context.getAcceptedTransferSyntaxUid() ?? IMPLICIT_LITTLE_UID);
      const collected = writable as Collector;
      if (!collected.tooLarge) this.received.set(dataset, Buffer.concat(collected.chunks));
      callback(dataset);
    }

    override cStoreRequest(request: Parameters<InstanceType<typeof Scp>['cStoreRequest']>[0], callback: Parameters<InstanceType<typeof Scp>['cStoreRequest']>[1]): void {
      const response = responses.CStoreResponse.fromRequest(request);
      const dataset = request.getDataset();
      const bytes = dataset ? this.received.get(dataset) : undefined;
      if (!dataset || !bytes) {
        response.setStatus(OUT_OF_RESOURCES);
        response.setErrorComment(`instance larger than ${Math.round(maxBytes / 2 ** 20)} MiB`);
        callback(response);
        return;
      }
      const file = part10(bytes, request.getAffectedSopClassUid(), request.getAffectedSopInstanceUid(), dataset.getTransferSyntaxUid());
      store(file).then(
        (outcome) => {
          response.setStatus(outcome.ok ? Status.Success : CANNOT_UNDERSTAND);
          if (!outcome.ok) response.setErrorComment(outcome.reason.slice(0, 64));
          callback(response);
        },
        () => {
          response.setStatus(CANNOT_UNDERSTAND);
          callback(response);
        },
      );
    }
  }

  const server = new Server(StorageScp as unknown as typeof Scp);
  // Server.listen hands its first argument to net.Server.listen, which also takes { port, host }: the only way to bind an address.
  server.listen({ port: o.port, host: o.host ?? '127.0.0.1' } as unknown as number);
  const net = (server as unknown as { server: import('node:net').Server }).server;
  return new Promise((resolvePort, reject) => {
    const ready = () => resolvePort({ port: (net.address() as import('node:net').AddressInfo).port, close: () => server.close() });
    if (net.listening) ready();
    else {
      net.once('listening', ready);
      net.once('error', reject);
    }
  });
}
