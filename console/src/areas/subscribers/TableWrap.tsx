import type { ReactNode } from 'react';

/**
 * A table that may scroll sideways on a narrow screen: the scrolling region is named and
 * focusable, so it can be scrolled by keyboard.
 */
export function TableWrap({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div className="table-wrap" role="region" aria-label={label} tabIndex={0}>
      {children}
    </div>
  );
}
