import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

let collectGarbage: ((options: { type: 'minor' | 'major' }) => void) | undefined;

/**
 * A scavenge of the bench process's own heap, now. The bench reads the fan-out's 1,000 sockets in
 * one process, and its scavenges (one every four or five calls, 5 to 50 ms on a busy machine) fell
 * inside the calls, often right after a webhook was timed and before it was written: charged to
 * the server, on either side, the relay's larger events (~1 KB a socket, against the forwarder's
 * ~90-byte frame) about twice as much (issue 13). Run between calls, they leave the calls alone.
 */
export function benchHeapSettled(): void {
  if (!collectGarbage) {
    setFlagsFromString('--expose-gc');
    collectGarbage = runInNewContext('gc') as typeof collectGarbage;
  }
  collectGarbage!({ type: 'minor' });
}
