import { useEffect, useRef, useState } from 'preact/hooks';

export type Loaded<T> =
  | { state: 'loading' }
  | { state: 'failed'; message: string }
  | { state: 'ready'; value: T };

/**
 * Reads `load(key)` whenever `key` changes (a page, a cursor, a live change); a later read
 * replaces what an earlier one showed. The returned setter shows a value a change answered with.
 */
export function useLoad<T>(key: string, load: (key: string) => Promise<T>): [Loaded<T>, (value: T) => void] {
  const [loaded, setLoaded] = useState<Loaded<T>>({ state: 'loading' });
  const loader = useRef(load);
  loader.current = load;
  useEffect(() => {
    let live = true;
    loader.current(key).then(
      (value) => live && setLoaded({ state: 'ready', value }),
      (error: unknown) =>
        live &&
        setLoaded({ state: 'failed', message: error instanceof Error ? error.message : String(error) }),
    );
    return () => {
      live = false;
    };
  }, [key]);
  return [loaded, (value) => setLoaded({ state: 'ready', value })];
}
