import type { ChangeElsewhere } from './index.ts';

/**
 * Where the other processes' commits had got to at a store's last look, as both adapters' change
 * polls read them: the last event's id (SQLite: its rowid) and the directory's version (moved by
 * every agent or instance change).
 */
export interface ChangeMarks {
  events: number;
  directory: number;
}

/** What changed between two looks at the marks. */
export function changeBetween(before: ChangeMarks, after: ChangeMarks): ChangeElsewhere {
  return { events: after.events !== before.events, directory: after.directory !== before.directory };
}
