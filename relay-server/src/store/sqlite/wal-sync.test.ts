import { describe, expect, it } from 'vitest';
import { type DiskSync, WalSync } from './wal-sync.ts';

/** A disk whose syncs complete when the test says: each begun sync waits in `pending`. */
function heldDisk() {
  const pending: Array<(error: Error | null) => void> = [];
  const sync: DiskSync = (done) => pending.push(done);
  return { sync, pending };
}

describe('WalSync', () => {
  it('calls back only once a sync begun after the request has completed', () => {
    const disk = heldDisk();
    const wal = new WalSync(disk.sync);
    const done: string[] = [];
    wal.after(() => done.push('a'));
    expect(disk.pending).toHaveLength(1);
    // Asked while the first sync runs: that sync may have begun before its commit, so it waits for the next.
    wal.after(() => done.push('b'));
    wal.after(() => done.push('c'));
    expect(disk.pending).toHaveLength(1);
    disk.pending.shift()!(null);
    expect(done).toEqual(['a']);
    // One sync covers every request that waited for it.
    expect(disk.pending).toHaveLength(1);
    disk.pending.shift()!(null);
    expect(done).toEqual(['a', 'b', 'c']);
    expect(disk.pending).toHaveLength(0);
  });

  it("hands a failed sync's error to those it covered, and syncs again for the next", () => {
    const disk = heldDisk();
    const wal = new WalSync(disk.sync);
    const outcomes: Array<Error | null> = [];
    wal.after((error) => outcomes.push(error));
    disk.pending.shift()!(new Error('EIO'));
    expect(outcomes).toEqual([new Error('EIO')]);
    wal.after((error) => outcomes.push(error));
    disk.pending.shift()!(null);
    expect(outcomes).toEqual([new Error('EIO'), null]);
  });

  it('is idle once nothing runs or waits', async () => {
    const disk = heldDisk();
    const wal = new WalSync(disk.sync);
    await wal.idle();
    let synced = false;
    wal.after(() => (synced = true));
    const idle = wal.idle();
    disk.pending.shift()!(null);
    disk.pending.shift()!(null);
    await idle;
    expect(synced).toBe(true);
  });
});
