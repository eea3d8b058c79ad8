import type { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';

/** Where the dashboard is: its path under /dashboard, and the query (the list cursors). */
export interface Route {
  path: string;
  query: URLSearchParams;
}

function current(): Route {
  return {
    path: window.location.pathname.replace(/\/+$/, ''),
    query: new URLSearchParams(window.location.search),
  };
}

const listeners = new Set<() => void>();

/** Goes to another page of the dashboard without loading it again. */
export function navigate(href: string, replace = false): void {
  if (replace) window.history.replaceState(null, '', href);
  else window.history.pushState(null, '', href);
  for (const listener of listeners) listener();
}

export function useRoute(): Route {
  const [route, setRoute] = useState(current);
  useEffect(() => {
    const update = () => setRoute(current());
    listeners.add(update);
    window.addEventListener('popstate', update);
    return () => {
      listeners.delete(update);
      window.removeEventListener('popstate', update);
    };
  }, []);
  return route;
}

/** A real link (it opens in a new tab, and is followed with Enter), followed in place when clicked. */
export function Link({
  href,
  children,
  current: isCurrent,
}: {
  href: string;
  children: ComponentChildren;
  current?: boolean;
}) {
  return (
    <a
      href={href}
      aria-current={isCurrent ? 'page' : undefined}
      onClick={(event) => {
        if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
        event.preventDefault();
        navigate(href);
      }}
    >
      {children}
    </a>
  );
}
