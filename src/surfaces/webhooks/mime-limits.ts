/**
 * Bounds on the raw reports the webhooks parse. A DSN or ARF report with the original message
 * attached has about ten MIME parts nested four or five levels deep; a report far beyond that is
 * refused (422) before it costs real work.
 */

/** MIME parts a raw report may have; mailparser stops at this many (its `maxChildNodes`). */
export const MAX_REPORT_PARTS = 200;

/** How deep multiparts and embedded messages may nest (report → original → alternative → ...). */
export const MAX_REPORT_LEVELS = 16;

/** A `Content-Type` longer than this is not kept whole; a boundary is never that long. */
const MAX_CONTENT_TYPE_CHARS = 8192;

/**
 * How deep the multipart containers and embedded messages of a raw message nest, counted up to
 * `limit + 1` (it stops there). mailparser has a limit on parts but none on depth, and compares
 * every line that starts with `--` with the boundary of each open container, so its cost grows
 * with depth × lines. This is one pass over the lines with the open boundaries in a map: linear
 * in the size whatever the nesting.
 */
export function mimeNestingDepth(raw: Buffer, limit: number): number {
  const text = raw.toString('latin1');
  // Boundaries of the open containers, innermost last; null for an embedded message.
  const stack: Array<string | null> = [];
  // Boundary → index in `stack` of the innermost container using it (the one a delimiter ends).
  const open = new Map<string, number>();
  let depth = 0;
  let inHeader = true;
  let contentType: string | null = null;
  let inContentType = false;

  const truncate = (length: number) => {
    while (stack.length > length) {
      const boundary = stack.pop();
      if (boundary == null || open.get(boundary) !== stack.length) continue;
      const outer = stack.lastIndexOf(boundary);
      if (outer >= 0) open.set(boundary, outer);
      else open.delete(boundary);
    }
  };
  const enter = (boundary: string | null): boolean => {
    if (boundary !== null) open.set(boundary, stack.length);
    stack.push(boundary);
    depth = Math.max(depth, stack.length);
    return depth > limit;
  };

  for (let start = 0; start < text.length;) {
    const end = text.indexOf('\n', start);
    const stop = end < 0 ? text.length : end;
    const line = text.slice(start, stop > start && text[stop - 1] === '\r' ? stop - 1 : stop);
    start = stop + 1;

    const delimiter = open.size && line.startsWith('--') ? delimiterOf(line, open) : null;
    if (delimiter) {
      const owner = open.get(delimiter.boundary)!;
      // A delimiter of an outer container also ends every container inside it.
      truncate(delimiter.closing ? owner : owner + 1);
      inHeader = !delimiter.closing;
      contentType = null;
      inContentType = false;
      continue;
    }
    if (!inHeader) continue;
    if (line === '') {
      const type = mediaType(contentType);
      inHeader = false;
      if (type.startsWith('multipart/')) {
        if (enter(boundaryOf(contentType ?? ''))) return depth;
      } else if (type === 'message/rfc822' || type === 'message/global') {
        // The embedded message's own header block starts right away.
        if (enter(null)) return depth;
        inHeader = true;
      }
      contentType = null;
      inContentType = false;
    } else if (line[0] === ' ' || line[0] === '\t') {
      if (inContentType && contentType !== null && contentType.length < MAX_CONTENT_TYPE_CHARS) {
        contentType += ` ${line.trim()}`;
      }
    } else {
      inContentType = /^content-type[ \t]*:/i.test(line);
      if (inContentType) contentType = line.slice(line.indexOf(':') + 1, MAX_CONTENT_TYPE_CHARS);
    }
  }
  return depth;
}

/** `--boundary` (next part) or `--boundary--` (end) of an open container, trailing blanks allowed. */
function delimiterOf(
  line: string,
  open: Map<string, number>,
): { boundary: string; closing: boolean } | null {
  const value = line.slice(2).replace(/[ \t]+$/, '');
  if (open.has(value)) return { boundary: value, closing: false };
  if (value.endsWith('--') && open.has(value.slice(0, -2))) {
    return { boundary: value.slice(0, -2), closing: true };
  }
  return null;
}

function mediaType(contentType: string | null): string {
  return (contentType ?? '').split(';')[0].trim().toLowerCase();
}

/** The `boundary` parameter, quoted or not, without comments or trailing blanks. */
function boundaryOf(contentType: string): string | null {
  const match = /;\s*boundary\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;]*))/i.exec(contentType);
  if (!match) return null;
  const value =
    match[1] !== undefined
      ? match[1].replace(/\\(.)/g, '$1')
      : match[2].replace(/\([^()]*\)/g, '').trim();
  return value.replace(/[ \t]+$/, '') || null;
}
