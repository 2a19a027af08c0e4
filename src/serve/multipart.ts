// Multipart bodies as STOW-RS (multipart/related; type="application/dicom") and HTML form uploads
// (multipart/form-data) send them: the parts between boundary lines, each with its headers.

export interface BodyPart {
  /** Header names in lower case. */
  headers: Record<string, string>;
  body: Buffer;
}

/** A request the client got wrong: the status to answer with and why. */
export class RequestError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** The boundary parameter of a multipart Content-Type. */
export function multipartBoundary(contentType: string | undefined): string {
  const type = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'multipart/related' && type !== 'multipart/form-data') throw new RequestError(415, `expected multipart/related (STOW-RS) or multipart/form-data, got '${type || 'no Content-Type'}'`);
  const m = /;\s*boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType!);
  const boundary = m?.[1] ?? m?.[2];
  if (!boundary || boundary.length > 200) throw new RequestError(400, `${type} without a usable boundary parameter`);
  return boundary;
}

/** The parts of a multipart body; a body without a closing boundary is refused. */
export function splitMultipart(body: Buffer, boundary: string): BodyPart[] {
  const delimiter = Buffer.from(`--${boundary}`);
  const parts: BodyPart[] = [];
  let at = body.indexOf(delimiter);
  if (at < 0) throw new RequestError(400, 'the body holds no boundary line');
  for (;;) {
    at += delimiter.length;
    if (body[at] === 0x2d && body[at + 1] === 0x2d) return parts; // "--": the closing delimiter
    const headerStart = body.indexOf('\r\n', at) + 2;
    const headerEnd = body.indexOf('\r\n\r\n', headerStart - 2);
    if (headerStart < 2 || headerEnd < 0) throw new RequestError(400, `part ${parts.length + 1} has no header block`);
    const next = body.indexOf(Buffer.concat([Buffer.from('\r\n'), delimiter]), headerEnd + 4);
    if (next < 0) throw new RequestError(400, `part ${parts.length + 1} is not closed by a boundary line`);
    const headers: Record<string, string> = {};
    for (const line of body.subarray(headerStart, headerEnd).toString('latin1').split('\r\n')) {
      const colon = line.indexOf(':');
      if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
    }
    parts.push({ headers, body: body.subarray(headerEnd + 4, next) });
    at = next + 2;
  }
}

/** A STOW-RS request body of DICOM instances and its Content-Type (multipart/related; type="application/dicom"). */
export function stowRequest(instances: readonly Uint8Array[], boundary = `ichdetect-${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`): { body: Buffer; contentType: string } {
  const chunks: Buffer[] = [];
  for (const p of instances) chunks.push(Buffer.from(`--${boundary}\r\nContent-Type: application/dicom\r\n\r\n`), Buffer.from(p.buffer, p.byteOffset, p.byteLength), Buffer.from('\r\n'));
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { body: Buffer.concat(chunks), contentType: `multipart/related; type="application/dicom"; boundary=${boundary}` };
}
