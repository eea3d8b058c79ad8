import type { ComponentChildren } from 'preact';
import { useEffect, useRef } from 'preact/hooks';
import type { Flow } from './app.tsx';

/**
 * One screen of the flow. Its heading takes focus when the screen appears, so that keyboard and
 * screen reader users start reading each step from its top.
 */
export function Screen({ title, children }: { title: string; children: ComponentChildren }) {
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => heading.current?.focus(), []);
  return (
    <>
      <h1 ref={heading} tabIndex={-1}>
        {title}
      </h1>
      {children}
    </>
  );
}

export function Actions({ children }: { children: ComponentChildren }) {
  return <div class="actions">{children}</div>;
}

/** Back to the bank search; relink sessions stay at their institution, so they have none. */
export function BackButton({ flow }: { flow: Flow }) {
  if (flow.view.session.relink) return null;
  return (
    <button
      type="button"
      class="secondary"
      disabled={flow.busy}
      onClick={() => void flow.act(() => flow.api.post('back'))}
    >
      Back
    </button>
  );
}

/** The flow's chrome: the merchant's name and "Close" above the screen, openfc's name below it. */
export function Frame(props: { brand: string; busy: boolean; onClose(): void; children: ComponentChildren }) {
  return (
    <div class="frame">
      <header class="bar">
        <span class="brand">{props.brand}</span>
        <button type="button" class="close" aria-label="Close" onClick={props.onClose}>
          <span aria-hidden="true">×</span>
        </button>
      </header>
      <main class="screen" aria-busy={props.busy}>
        {props.children}
      </main>
      <footer class="foot">Secured by openfc</footer>
    </div>
  );
}

export function Loading() {
  return (
    <p class="loading" role="status">
      Loading…
    </p>
  );
}

/** Escape closes the modal, as the Close button does. */
export function useEscape(enabled: boolean, close: () => unknown) {
  useEffect(() => {
    if (!enabled) return;
    const onKey = (event: KeyboardEvent) => {
      if (event.key === 'Escape') void close();
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, [enabled, close]);
}
