// Loads something now and again every `everyMs` while the component is shown; the latest answer or error wins.

import { useEffect, useRef, useState } from 'preact/hooks';

export interface Polled<T> {
  data: T | null;
  error: unknown;
  reload: () => void;
}

export function usePoll<T>(load: () => Promise<T>, everyMs: number, deps: unknown[] = []): Polled<T> {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<unknown>(null);
  const tick = useRef<() => void>(() => undefined);
  useEffect(() => {
    let alive = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let running = false;
    const run = async () => {
      if (running) return;
      running = true;
      clearTimeout(timer);
      try {
        const d = await load();
        if (alive) {
          setData(d);
          setError(null);
        }
      } catch (e) {
        if (alive) setError(e);
      } finally {
        running = false;
        if (alive) timer = setTimeout(run, everyMs);
      }
    };
    tick.current = () => void run();
    setData(null);
    void run();
    return () => {
      alive = false;
      clearTimeout(timer);
    };
  }, deps);
  return { data, error, reload: () => tick.current() };
}
