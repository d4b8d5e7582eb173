import { useEffect, useRef, type ReactNode } from 'react';

/** The page's h1; it takes the focus when the page opens, so a screen reader announces it. */
export function PageHeading({ id, children }: { id: string; children: ReactNode }) {
  const ref = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    ref.current?.focus();
  }, []);
  return (
    <h1 id={id} ref={ref} tabIndex={-1}>
      {children}
    </h1>
  );
}
