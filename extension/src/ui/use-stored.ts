import type { WxtStorageItem } from '#imports';
import { useEffect, useState } from 'preact/hooks';

/** A storage item as Preact state: loaded once, kept in step with changes made elsewhere. */
export function useStored<T>(item: WxtStorageItem<T, Record<string, unknown>>): [T | undefined, (value: T) => Promise<void>] {
  const [value, setValue] = useState<T | undefined>(undefined);
  useEffect(() => {
    let live = true;
    void item.getValue().then((v) => live && setValue(v));
    const unwatch = item.watch((v) => setValue(v));
    return () => {
      live = false;
      unwatch();
    };
  }, [item]);
  return [value, (next: T) => item.setValue(next)];
}
