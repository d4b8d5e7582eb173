import { useId, useRef, useState, type Ref } from 'react';
import type { Problem } from './types';
import { useTemplateTexts } from './texts';

/**
 * A plain <textarea class="code"> with line numbers beside it. The numbers are decoration
 * (aria-hidden); the caret's line and column are written under the field, and each problem the
 * API found in this field is listed there and tied to it with aria-describedby.
 */
export function CodeField({
  label,
  hint,
  value,
  onChange,
  readOnly,
  problems,
  fieldRef,
  rows = 18,
}: {
  label: string;
  hint: string;
  value: string;
  onChange: (value: string) => void;
  readOnly: boolean;
  problems: Problem[];
  fieldRef: Ref<HTMLTextAreaElement>;
  rows?: number;
}) {
  const t = useTemplateTexts();
  const id = useId();
  const gutter = useRef<HTMLPreElement>(null);
  const [caret, setCaret] = useState({ line: 1, column: 1 });
  const lineCount = value.split('\n').length;
  const numbers = Array.from({ length: lineCount }, (_, i) => i + 1).join('\n');
  const invalid = problems.length > 0;
  const described = [`${id}-hint`, `${id}-caret`, invalid ? `${id}-errors` : '']
    .filter(Boolean)
    .join(' ');

  const track = (el: HTMLTextAreaElement) => {
    const before = el.value.slice(0, el.selectionStart);
    const lines = before.split('\n');
    setCaret({ line: lines.length, column: lines[lines.length - 1].length + 1 });
  };

  return (
    <div className="field code-field">
      <label htmlFor={id}>{label}</label>
      <span id={`${id}-hint`} className="hint">
        {hint}
      </span>
      <div className={`code-box${invalid ? ' invalid' : ''}`}>
        <pre className="gutter" aria-hidden="true" ref={gutter}>
          {numbers}
        </pre>
        <textarea
          id={id}
          ref={fieldRef}
          className="code"
          rows={rows}
          wrap="off"
          spellCheck={false}
          autoCapitalize="off"
          autoComplete="off"
          readOnly={readOnly}
          value={value}
          aria-invalid={invalid || undefined}
          aria-describedby={described}
          onChange={(e) => {
            onChange(e.target.value);
            track(e.target);
          }}
          onSelect={(e) => track(e.currentTarget)}
          onScroll={(e) => {
            if (gutter.current) gutter.current.scrollTop = e.currentTarget.scrollTop;
          }}
        />
      </div>
      <span id={`${id}-caret`} className="hint caret">
        {t.caret(caret.line, caret.column)} · {t.lines(lineCount)}
      </span>
      {invalid && (
        <ul id={`${id}-errors`} className="field-error">
          {problems.map((p, i) => (
            <li key={i}>
              {p.line !== undefined ? `${t.atLine(p.line, p.column)}: ` : ''}
              {p.message}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

/** Focuses a field and selects one line of it (1-based), scrolled into view. */
export function selectLine(el: HTMLTextAreaElement | HTMLInputElement, line: number): void {
  const lines = el.value.split('\n');
  const n = Math.min(Math.max(line, 1), lines.length);
  let start = 0;
  for (let i = 0; i < n - 1; i++) start += lines[i].length + 1;
  const end = start + lines[n - 1].length;
  el.focus();
  el.setSelectionRange(start, end);
  if (el instanceof HTMLTextAreaElement) {
    const height = parseFloat(getComputedStyle(el).lineHeight) || 20;
    el.scrollTop = Math.max(0, (n - 3) * height);
  }
}
