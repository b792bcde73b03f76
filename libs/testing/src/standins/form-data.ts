/** A form field; files keep their name and type, values are UTF-8 text. */
export interface FormField {
  name: string;
  value: string;
  filename?: string;
  contentType?: string;
}

/**
 * Parses multipart/form-data (RFC 7578). Small on purpose: the stand-ins only need fields and
 * file names. busboy is in node_modules only as a transitive dependency, so it is not relied on.
 */
export function parseMultipart(body: Buffer, boundary: string): FormField[] {
  const delimiter = Buffer.from(`--${boundary}`);
  const fields: FormField[] = [];
  let pos = body.indexOf(delimiter);
  if (pos < 0) throw new Error('multipart: no boundary found');
  for (;;) {
    pos += delimiter.length;
    if (body.subarray(pos, pos + 2).toString() === '--') break; // closing delimiter
    if (body.subarray(pos, pos + 2).toString() === '\r\n') pos += 2;
    const next = body.indexOf(Buffer.concat([Buffer.from('\r\n'), delimiter]), pos);
    if (next < 0) throw new Error('multipart: unterminated part');
    const part = body.subarray(pos, next);
    const headerEnd = part.indexOf('\r\n\r\n');
    if (headerEnd < 0) throw new Error('multipart: part without headers');
    const headers = parseHeaderBlock(part.subarray(0, headerEnd).toString('utf8'));
    const disposition = headers['content-disposition'] ?? '';
    const name = dispositionParam(disposition, 'name');
    if (name === undefined) throw new Error('multipart: part without a name');
    const filename = dispositionParam(disposition, 'filename');
    const field: FormField = { name, value: part.subarray(headerEnd + 4).toString('utf8') };
    if (filename !== undefined) field.filename = filename;
    if (headers['content-type'] !== undefined) field.contentType = headers['content-type'];
    fields.push(field);
    pos = next + 2;
  }
  return fields;
}

function parseHeaderBlock(block: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of block.split('\r\n')) {
    const i = line.indexOf(':');
    if (i > 0) out[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
  }
  return out;
}

function dispositionParam(disposition: string, param: string): string | undefined {
  const re = new RegExp(`(?:^|;)\\s*${param}=(?:"((?:[^"\\\\]|\\\\.)*)"|([^;]*))`, 'i');
  const m = re.exec(disposition);
  if (!m) return undefined;
  // The HTML spec's FormData escapes only ", CR and LF, as %22, %0D, %0A; older clients use backslashes.
  const raw = m[1] !== undefined ? m[1].replace(/\\(.)/g, '$1') : (m[2] ?? '').trim();
  return raw.replace(/%22/g, '"').replace(/%0D/gi, '\r').replace(/%0A/gi, '\n');
}

/** The boundary parameter of a multipart Content-Type, if any. */
export function multipartBoundary(contentType: string | undefined): string | undefined {
  if (!contentType || !/^multipart\/form-data/i.test(contentType)) return undefined;
  const m = /boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  return m?.[1] ?? m?.[2];
}

/** Fields of a urlencoded or multipart body; undefined for any other content type. */
export function parseForm(contentType: string | undefined, body: Buffer): FormField[] | undefined {
  if (contentType && /^application\/x-www-form-urlencoded/i.test(contentType)) {
    return [...new URLSearchParams(body.toString('utf8')).entries()].map(([name, value]) => ({ name, value }));
  }
  const boundary = multipartBoundary(contentType);
  return boundary === undefined ? undefined : parseMultipart(body, boundary);
}
