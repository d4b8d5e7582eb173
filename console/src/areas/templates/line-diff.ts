/** One line of a line diff: kept, only in the old text, or only in the new one. */
export interface DiffLine {
  kind: 'same' | 'added' | 'removed';
  text: string;
  /** 1-based line in the old text (same, removed). */
  oldLine?: number;
  /** 1-based line in the new text (same, added). */
  newLine?: number;
}

/**
 * The lines `before` and `after` differ by, in order (a longest-common-subsequence diff).
 * Templates are a few hundred lines, so the quadratic table is small; beyond 4,000 lines a side
 * the whole texts are shown as removed and added rather than holding up the page.
 */
export function lineDiff(before: string, after: string): DiffLine[] {
  const a = before.split('\n');
  const b = after.split('\n');
  // Leave out the common head and tail: most edits touch a few lines.
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start++;
  let endA = a.length;
  let endB = b.length;
  while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) {
    endA--;
    endB--;
  }
  const out: DiffLine[] = [];
  for (let i = 0; i < start; i++)
    out.push({ kind: 'same', text: a[i], oldLine: i + 1, newLine: i + 1 });
  const n = endA - start;
  const m = endB - start;
  if (n > 4000 || m > 4000) {
    for (let i = start; i < endA; i++) out.push({ kind: 'removed', text: a[i], oldLine: i + 1 });
    for (let j = start; j < endB; j++) out.push({ kind: 'added', text: b[j], newLine: j + 1 });
  } else {
    // lcs[i][j]: the longest common subsequence of a[start+i..endA) and b[start+j..endB).
    const lcs: Uint16Array[] = Array.from({ length: n + 1 }, () => new Uint16Array(m + 1));
    for (let i = n - 1; i >= 0; i--) {
      for (let j = m - 1; j >= 0; j--) {
        lcs[i][j] =
          a[start + i] === b[start + j]
            ? lcs[i + 1][j + 1] + 1
            : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
      }
    }
    let i = 0;
    let j = 0;
    while (i < n || j < m) {
      if (i < n && j < m && a[start + i] === b[start + j]) {
        out.push({
          kind: 'same',
          text: a[start + i],
          oldLine: start + i + 1,
          newLine: start + j + 1,
        });
        i++;
        j++;
      } else if (i < n && (j === m || lcs[i + 1][j] >= lcs[i][j + 1])) {
        out.push({ kind: 'removed', text: a[start + i], oldLine: start + i + 1 });
        i++;
      } else {
        out.push({ kind: 'added', text: b[start + j], newLine: start + j + 1 });
        j++;
      }
    }
  }
  const shift = endB - endA;
  for (let i = endA; i < a.length; i++) {
    out.push({ kind: 'same', text: a[i], oldLine: i + 1, newLine: i + shift + 1 });
  }
  return out;
}
