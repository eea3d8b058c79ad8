import { useEffect, useState } from 'preact/hooks';

/**
 * A number that goes up whenever openfc reports a change for this merchant (a new event, a new
 * delivery attempt), through server-sent events: pages read again when it moves.
 */
export function useLiveVersion(): number {
  const [version, setVersion] = useState(0);
  useEffect(() => {
    const source = new EventSource('/dashboard/api/live');
    let timer: ReturnType<typeof setTimeout> | undefined;
    // Changes come in bursts (an event, then its attempt): one read for a burst.
    source.addEventListener('change', () => {
      clearTimeout(timer);
      timer = setTimeout(() => setVersion((v) => v + 1), 100);
    });
    return () => {
      clearTimeout(timer);
      source.close();
    };
  }, []);
  return version;
}
