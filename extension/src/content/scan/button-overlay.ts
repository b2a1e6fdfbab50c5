import { adoptCallButtonStyle } from '../call-button-style.ts';
import { createCallButton, retargetCallButton } from '../call-buttons.ts';
import type { PhoneTarget } from '../../numbers/detect-numbers.ts';
import type { Anchor } from './button-slots.ts';
import { type ClipBox, type NumberEnd, numberEndReader, outerClip, type Placement, PlacementReader, type ReadClipBox, readClipBox, type ReadNumberEnd } from './number-geometry.ts';
import { type ButtonAt, isAppend, nodesBefore, sameAt, sentinelsOf } from './layout-shift.ts';
import { type DocumentBox, isOverlayHost, OverlayHost } from './overlay-host.ts';
import { PlaceMap } from './place-map.ts';
import { safely } from './safely.ts';
import { afterLayout, type AfterLayoutCallback } from './after-layout.ts';
import { type FrameLedger, OUR_FRAME_MS, ourFrames, PAGE_LONG_LAYOUT_MS, roomAfterLayout } from './frame-budget.ts';

/**
 * New buttons written per frame, at most: what the scanner hands on at a time in a long read
 * (scanner.ts). A frame that adds 1,000 buttons to hosts of 250 took 69 ms in the probe
 * (tests/bench/content-layout-probe.ts) on a loaded machine; hosts away from the viewport are
 * skipped by Chromium (overlay-host.ts), so most of a fill's frame is our pass, which
 * PASS_MS keeps short on a loaded machine. At 500, a 10,000-row fill took ~30 passes of
 * ~300 buttons after the page's frame, each frame painted (issue #12).
 */
export const BUTTONS_PER_FRAME = 1000;

/**
 * ... and in a frame that lays out an append of the page (an infinite scroll's rows), up to this
 * many: that frame is long by the page's own layout, and its pass places the buttons the scanner
 * read before it. At 500, the scroll's first appends (read partly in slices, handed on together)
 * left 1,593 buttons waiting behind each later append, which brought 500 per frame as a pass
 * placed 500: the buttons lagged three frames the whole scroll, and the last ones came four
 * frames after the last append's (issue #12).
 */
const BUTTONS_PER_APPEND_FRAME = 2 * BUTTONS_PER_FRAME;

/**
 * ... and in a frame of our own a pass takes what our reading slices left of OUR_FRAME_MS
 * (frame-budget.ts): it reads new buttons' numbers for half of it (at least one), and writes
 * them (about as long again: a fill's profile, reads 210 ms, writes 250 ms) until the rest is
 * spent; those read and not written are read again at the next pass. Counted alone (reads for
 * 20 ms, writes unbounded), a re-render's pass of 1,000 after the page's frame took 113 ms of a
 * loaded machine's wall time for 35 ms of CPU, a frame over 100 ms by our share (issue #12).
 */
const PASS_MS = OUR_FRAME_MS;

/**
 * ... or, in a frame whose own style and layout took long (the page laid out a list of thousands
 * of rows it just filled or re-rendered), this share of that time, the count in proportion: the
 * frame is long by the page's own doing, and what the pass draws in it needs no frame of ours
 * after it. At a fixed 1,000 a pass, a 10,000-row fill took ~9 frames of ~110 ms after the page's
 * own frame, each paying the frame's own cost (issue #12).
 */
const PAGE_FRAME_SHARE = 0.2;

/** However long the page's own layout: no pass takes longer than this. */
const MAX_PASS_MS = 500;

/**
 * Stale buttons far from the viewport re-read per frame, after every stale one near it: a
 * change of the page (an append of an infinite scroll) marks every position stale, and reading
 * 10,000 numbers' boxes at each would cost the page's frames.
 */
const FAR_READS_PER_FRAME = 500;

/** Near the viewport: within this many viewport heights above or below it. */
const NEAR_VIEWPORTS = 2;

/**
 * Sentinels of hosts far from the viewport read per frame after the page grew, after those of
 * every host near it; the others at a coming frame (those read longest ago first) or when
 * scrolled near. An infinite scroll's hosts all lie below the viewport as it appends, and every
 * append had each host's sentinels read (up to four of each of 100 hosts at its 50th append of
 * 500 rows), mostly to find that nothing above the rows moved: reads per append that grew with
 * the list (issue #12).
 */
const FAR_SENTINEL_READS_PER_FRAME = 40;

/**
 * Once a pass left nothing but far hosts' sentinels to read, they are read in the page's idle
 * time, this long at most a slice (and no longer than the browser's idle deadline), a host at
 * least: after the infinite scroll's last append 7-10 passes of 40 reads were left, and an idle
 * headless page draws no frame, so they waited for the frame after the bench's check by place
 * and made it 110-171 ms (a V8 marking step, then our 5 + 18 ms; issue #12).
 */
const IDLE_SLICE_MS = 10;

const BUTTON_SIZE = 18;
const BUTTON_GAP = 4;
/** From one button's left edge to the next's, for a number with several buttons. */
const BUTTON_STRIDE = BUTTON_SIZE + BUTTON_GAP;

export interface OverlayOptions {
  readNumberEnd?: ReadNumberEnd;
  readClipBox?: ReadClipBox;
  /** Runs a read-then-write pass; right after the next frame's layout by default, told how long that layout took. */
  schedule?: (callback: AfterLayoutCallback) => void;
  /** Milliseconds, for PASS_MS; performance.now by default. */
  clock?: () => number;
  /** Our time in the frame so far, which the pass's own share is left of; the content script's by default. */
  ledger?: FrameLedger;
  /** Runs a read-only slice in the page's idle time; requestIdleCallback by default. Without it, each frame's pass reads a few far sentinels. */
  idle?: (callback: (deadline: IdleTime) => void) => void;
}

/** What an idle callback is told: how long the page stays idle (IdleDeadline's). */
export interface IdleTime {
  timeRemaining(): number;
}

/** The buttons of one anchor, and where they were last put. */
interface Entry {
  anchor: Anchor;
  targets: readonly PhoneTarget[];
  /** One per target, in order: made, or taken over from a number the page removed, when first placed. */
  buttons: HTMLButtonElement[];
  /** Its number is gone from the page; its buttons wait, out of sight, for a new anchor to take them over. */
  parked: boolean;
  /** Undefined until placed; inline: in the page after the anchor (see Placement). */
  inline: boolean | undefined;
  /** Both undefined while its number is not rendered: its buttons are in no host. */
  layer: Layer | undefined;
  host: OverlayHost | undefined;
  /** The epoch of the positions it was placed at: older than the overlay's, it is stale. */
  epoch: number;
  /** Where its first button is, as last written: a read that finds the same spot writes nothing. */
  at: ButtonAt | undefined;
  /** Top in document coordinates at the last read, to tell whether it is near the viewport. */
  top: number;
}

/** The buttons of the numbers one element clips (or the document's), in hosts of a few hundred. */
interface Layer {
  clip: Element | null;
  hosts: OverlayHost[];
  /** The content's shift in its hosts at scroll 0, as last read: a scroll of the element subtracts its offsets. */
  originX: number;
  originY: number;
}

/**
 * The entries a host holds, and its sentinels (layout-shift.ts) while none of them moved, joined
 * or left: an infinite scroll's pass checks every host, and found them among all its numbers at
 * each append (issue #12).
 */
interface HostGroup {
  entries: Set<Entry>;
  sentinels: Entry[] | undefined;
  /** The page's growths its sentinels were read after (the overlay's `growths` when read): fewer, and they wait for a read. */
  checked: number;
  /** Entries parked in it, not in `entries`: the host is out of sight while there are any. */
  parked: number;
}

/** A host whose sentinels all moved by `by`: its buttons are moved by as much, their numbers not read. */
interface HostShift {
  group: HostGroup;
  by: ButtonAt;
}

/** Parked entries calling the same numbers, in the order the page had them; those before `next` were taken. */
interface ParkedList {
  entries: Entry[];
  next: number;
}

/** What one read pass found of a layer: its clip box and how far its element is scrolled. */
interface LayerRead {
  box: DocumentBox;
  clip: ClipBox;
  /** Where the clipping element's content starts (unscrolled) relative to the clip box. */
  originX: number;
  originY: number;
}

/**
 * The call buttons of a document, drawn over the page rather than written into it: any write
 * into a big table makes Chromium lay out the whole table again (issue #12), a write into a
 * contained host of our own lays out that host only. Each frame reads first (where numbers
 * end, how far clipping elements are scrolled) then writes (positions, the new buttons read in
 * PASS_MS, at most BUTTONS_PER_FRAME): no layout forced between them. The page's changes (its
 * mutations, resizes, fonts) mark every position stale; those near the viewport are read again
 * in the next frame, the others a few hundred per frame or when scrolled near.
 */
export class ButtonOverlay {
  private readonly entries = new Map<Anchor, Entry>();
  private readonly pending: Entry[] = [];
  private readonly layers = new Map<Element | null, Layer>();
  private readonly groups = new Map<OverlayHost, HostGroup>();
  /**
   * Buttons of numbers the page removed, in hosts out of sight, by the numbers they call, and by
   * number and place: a list re-rendered whole brings most of its numbers back, where they were
   * or elsewhere, and their new anchors take these buttons over instead of new ones made and the
   * old hosts taken out (issue #12). Parked until the scanner has read the page's changes through
   * (`readThrough`) and the pending entries are placed; what is left then goes.
   */
  private readonly parked = new Map<string, ParkedList>();
  private readonly parkedAt = new PlaceMap<Entry>();
  private readonly parkedHosts = new Map<OverlayHost, Layer>();
  /** Nobody reading the page (no scanner told otherwise): nothing to wait for. */
  private readThroughMarked = true;
  private readonly readNumberEnd: ReadNumberEnd;
  private readonly readClipBox: ReadClipBox;
  private readonly schedule: (callback: AfterLayoutCallback) => void;
  private readonly clock: () => number;
  private readonly ledger: FrameLedger;
  private readonly idle: ((callback: (deadline: IdleTime) => void) => void) | undefined;
  private epoch = 0;
  /**
   * Some placed entry may be stale (a change of the page, an append's neighbours, a host whose
   * sentinels moved): only then does a pass look through every entry. Each pass of a 10,000-row
   * fill looked through all of them for none, passes times entries (issue #12).
   */
  private staleMarked = false;
  /** The page grew since some host's sentinels were read: theirs are read at the next pass, those far from the viewport a few per pass. */
  private shifted = false;
  /** How many times the page grew: a host whose sentinels were read after fewer waits for a read. */
  private growths = 0;
  /** The page appended since the last pass: the next places up to BUTTONS_PER_APPEND_FRAME new buttons. */
  private appended = false;
  private scheduled = false;
  /** An idle slice of far sentinel reads is asked for. */
  private idleRequested = false;
  /** What idle slices found moved since the last pass, at `growths` as told: the next pass writes them if the page grew no more. */
  private idleShifts: Array<HostShift & { growths: number }> = [];
  /** The document's width at its last resize observation. */
  private documentWidth: number | undefined;
  private watching: AbortController | undefined;
  private resizes: ResizeObserver | undefined;
  private waiters: Array<() => void> = [];

  constructor(
    private readonly doc: Document,
    options: OverlayOptions = {},
  ) {
    this.readNumberEnd = options.readNumberEnd ?? numberEndReader(doc);
    this.readClipBox = options.readClipBox ?? readClipBox;
    this.schedule = options.schedule ?? afterLayout;
    this.clock = options.clock ?? (() => performance.now());
    this.ledger = options.ledger ?? ourFrames;
    this.idle = options.idle ?? (typeof requestIdleCallback === 'function' ? (callback) => requestIdleCallback(callback) : undefined);
  }

  /**
   * Shows a button per target at the end of `anchor`'s text, from a coming frame on: buttons of
   * the same numbers that the page removed with their anchors, if any are parked, else new ones.
   */
  add(anchor: Anchor, targets: readonly PhoneTarget[]): void {
    this.remove(anchor);
    if (targets.length === 0) return;
    // Every field from the start: entries keep one shape as they are placed, moved and parked.
    const entry: Entry = { anchor, targets, buttons: [], parked: false, inline: undefined, layer: undefined, host: undefined, epoch: -1, at: undefined, top: 0 };
    this.entries.set(anchor, entry);
    this.pending.push(entry);
    this.watch();
    this.requestFrame();
  }

  /**
   * Whether the scanner has read the page's changes through, told at each of its hand-offs: once
   * it has, buttons parked for numbers that did not come back go as soon as the pending entries
   * are placed; while it reads on, they wait for its next hand-offs.
   */
  readThrough(done: boolean): void {
    this.readThroughMarked = done;
    if (done && this.parkedHosts.size > 0) this.requestFrame();
  }

  /** Takes the anchor's buttons away now. */
  remove(anchor: Anchor): void {
    const entry = this.entries.get(anchor);
    if (!entry) return;
    this.entries.delete(anchor);
    // Our own removal must not look like the page removing them (ButtonSlots.anchorToRestore).
    for (const button of entry.buttons) owners.delete(button);
    this.unplace(entry);
  }

  /** The anchor's buttons, once placed. */
  buttonsOf(anchor: Anchor): readonly HTMLButtonElement[] {
    return this.entries.get(anchor)?.buttons ?? [];
  }

  /** True when the anchor's buttons are shown or about to be; `inline` when they are in the page after it. */
  placementOf(anchor: Anchor): 'overlay' | 'inline' | undefined {
    const entry = this.entries.get(anchor);
    if (!entry) return undefined;
    return entry.inline ? 'inline' : 'overlay';
  }

  /** Resolves once every button added so far is in the page. */
  placed(): Promise<void> {
    if (this.pending.length === 0 && !this.scheduled) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Removes every button and host and stops following the page. */
  clear(): void {
    for (const entry of this.entries.values()) if (entry.inline) for (const button of entry.buttons) button.remove();
    for (const layer of this.layers.values()) for (const host of layer.hosts) host.detach();
    this.entries.clear();
    this.pending.length = 0;
    this.layers.clear();
    this.groups.clear();
    this.parked.clear();
    this.parkedAt.clear();
    this.parkedHosts.clear();
    this.idleShifts = [];
    this.shifted = false;
    this.readThroughMarked = true;
    this.watching?.abort();
    this.watching = undefined;
    this.resizes?.disconnect();
    this.resizes = undefined;
    this.settle();
  }

  /** The page changed: every position may have moved. */
  markStale(): void {
    this.epoch++;
    this.staleMarked = true;
    this.requestFrame();
  }

  /** The page grew (an append, an image loaded): numbers moved, if at all, in groups that their hosts' sentinels show. */
  markShifted(): void {
    this.shifted = true;
    this.growths++;
    this.requestFrame();
  }

  private requestFrame(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    this.ledger.opened();
    this.schedule((laidOutMs) => safely(() => this.frame(laidOutMs)));
  }

  /** One read pass, then one write pass; `laidOutMs`: what the frame's own style and layout took. */
  private frame(laidOutMs = 0): void {
    const passStart = this.clock();
    this.scheduled = false;
    const view = this.doc.defaultView;
    const scrollX = view?.scrollX ?? 0;
    const scrollY = view?.scrollY ?? 0;
    const viewportHeight = view?.innerHeight ?? 0;
    const placements = new PlacementReader(this.doc);
    const layerReads = new Map<Layer, LayerRead | null>();
    const readLayer = this.layerReader(layerReads, placements, scrollX, scrollY);

    // Read: the new buttons' numbers, up to the frame's share, then the stale ones.
    const fresh: Array<{ entry: Entry; placement: Placement }> = [];
    const ends = new Map<Entry, ReturnType<ReadNumberEnd>>();
    const pageShareMs = Math.min(MAX_PASS_MS, PAGE_FRAME_SHARE * laidOutMs);
    // A frame the page did not make long keeps under 100 ms: the pass takes what its layout left of it.
    const passMs = laidOutMs >= PAGE_LONG_LAYOUT_MS ? Math.max(PASS_MS - this.ledger.spentMs, pageShareMs) : roomAfterLayout(laidOutMs) - this.ledger.spentMs;
    let budget = (this.appended ? BUTTONS_PER_APPEND_FRAME : BUTTONS_PER_FRAME) * (Math.max(PASS_MS, pageShareMs) / PASS_MS);
    this.appended = false;
    const readsEnd = passStart + passMs / 2;
    while (budget > 0 && this.pending.length > 0 && (fresh.length === 0 || this.clock() < readsEnd)) {
      const entry = this.pending.shift() as Entry;
      if (this.entries.get(entry.anchor) !== entry) continue;
      // Removed between the scanner's read and this frame (a list re-rendered again): in the
      // page a button after it went away with it, in the overlay it would stay.
      if (!entry.anchor.isConnected) {
        this.entries.delete(entry.anchor);
        continue;
      }
      budget -= entry.targets.length;
      fresh.push({ entry, placement: placements.of(entry.anchor) });
      ends.set(entry, this.readNumberEnd(entry.anchor));
    }
    const isNear = (top: number, bottom = top) => bottom >= scrollY - (NEAR_VIEWPORTS * viewportHeight) && top <= scrollY + (NEAR_VIEWPORTS + 1) * viewportHeight;
    // No room left in the frame: the far ones wait for a coming pass, those near the viewport are read.
    const roomLeft = passMs > 0;
    // An idle slice's finds, unless the page grew since: then their hosts are read again here, against the places as written.
    const shifts: HostShift[] = this.idleShifts.filter((shift) => shift.growths === this.growths);
    this.idleShifts = [];
    if (this.shifted) shifts.push(...this.checkShifts(readLayer, isNear, scrollX, scrollY, roomLeft ? FAR_SENTINEL_READS_PER_FRAME : 0));
    const moved: Array<{ entry: Entry; placement: Placement }> = [];
    const stale: Entry[] = [];
    const gone: Entry[] = [];
    let farReads = roomLeft ? FAR_READS_PER_FRAME : 0;
    let skipped = false;
    if (this.staleMarked) for (const entry of this.entries.values()) {
      if (entry.inline !== false || entry.epoch === this.epoch) continue;
      if (!entry.anchor.isConnected) {
        // A removed subtree (a tbody replaced) takes its numbers along: no record names them.
        gone.push(entry);
        continue;
      }
      // Far ones up to FAR_READS_PER_FRAME, while the pass's reading time lasts: after a column
      // widened, 500 of them took 75 ms of a frame of our own (the infinite scroll at its 10,000th row).
      if (!isNear(entry.top) && (farReads-- <= 0 || this.clock() >= readsEnd)) {
        skipped = true;
        continue;
      }
      const placement = placements.of(entry.anchor);
      // Read here, so that the clock above counts these reads.
      ends.set(entry, this.readNumberEnd(entry.anchor));
      // Not rendered at the last read (no layer): read as new.
      if (placement.inline || !entry.layer || placement.clip !== entry.layer.clip) moved.push({ entry, placement });
      else stale.push(entry);
    }
    // Those left far from the viewport are read at a coming pass; every other is read in this one.
    this.staleMarked = skipped;
    for (const { entry, placement } of [...fresh, ...moved]) if (!placement.inline && ends.get(entry)) readLayer(this.layerFor(placement.clip));
    for (const entry of stale) if (entry.layer) readLayer(entry.layer);

    // Write.
    this.park(gone);
    for (const [layer, read] of layerReads) if (read) for (const host of layer.hosts) this.clipHost(layer, host, read);
    for (const { group, by } of shifts) for (const entry of group.entries) this.shiftBy(entry, by);
    for (const { entry } of moved) this.unplace(entry);
    // Parked buttons go first to the numbers back at their own places, then to others (takeOver).
    if (this.parkedHosts.size > 0) {
      for (const { entry, placement } of fresh) {
        const end = ends.get(entry);
        if (!end || placement.inline) continue;
        const layer = this.layerFor(placement.clip);
        this.takeOver(entry, layer, buttonAt(end, layerReads.get(layer) ?? null, scrollX, scrollY), false);
      }
    }
    const writesEnd = passStart + passMs;
    const deferred: Entry[] = [];
    const place = ({ entry, placement }: { entry: Entry; placement: Placement }) => {
      const end = ends.get(entry);
      if (!end) this.keepOut(entry);
      else if (placement.inline) this.placeInline(entry);
      else {
        const layer = this.layerFor(placement.clip);
        this.position(entry, layer, layerReads.get(layer) ?? null, end, scrollX, scrollY);
      }
    };
    fresh.forEach((one, i) => {
      // Out of time: a new entry with no host yet (none taken over) waits for the next pass, at the front; one at least is placed.
      if (i > 0 && !one.entry.host && this.clock() >= writesEnd) deferred.push(one.entry);
      else place(one);
    });
    moved.forEach(place);
    for (const entry of stale) {
      const end = ends.get(entry);
      if (!end) this.keepOut(entry);
      else if (entry.layer) this.position(entry, entry.layer, layerReads.get(entry.layer) ?? null, end, scrollX, scrollY);
    }
    for (const layer of this.layers.values()) {
      for (const host of layer.hosts) {
        host.fit();
        host.attach(this.doc);
      }
    }
    // After the new hosts went in: the overlay's root stays, not taken out and put back (a change of the page's body).
    this.pending.unshift(...deferred);
    if (this.readThroughMarked && this.pending.length === 0) this.dropParked();

    this.ledger.close(this.clock() - passStart);
    // Only far sentinels left: read when the page is idle, not in frames it may not draw.
    if (this.pending.length > 0 || skipped || (this.shifted && !this.checkWhenIdle())) this.requestFrame();
    if (this.pending.length === 0) this.settle();
  }

  /** Asks for an idle slice of far sentinel reads; false where there is no idle time to ask for. */
  private checkWhenIdle(): boolean {
    if (!this.idle) return false;
    if (this.idleRequested) return true;
    this.idleRequested = true;
    this.idle((deadline) => safely(() => this.idleChecks(deadline)));
    return true;
  }

  /**
   * Reads far hosts' sentinels for a slice of the page's idle time: reads only, the layout clean
   * (the last frame laid it out, and any change of the page since asked for a frame of ours, whose
   * pass reads them instead). What moved is written by the next frame's pass; more left, another
   * slice.
   */
  private idleChecks(deadline: IdleTime): void {
    this.idleRequested = false;
    if (this.scheduled || !this.shifted) return;
    const sliceEnd = this.clock() + Math.min(IDLE_SLICE_MS, deadline.timeRemaining());
    const view = this.doc.defaultView;
    const scrollX = view?.scrollX ?? 0;
    const scrollY = view?.scrollY ?? 0;
    const readLayer = this.layerReader(new Map(), new PlacementReader(this.doc), scrollX, scrollY);
    const shifts = this.checkShifts(readLayer, () => false, scrollX, scrollY, Number.POSITIVE_INFINITY, sliceEnd);
    for (const shift of shifts) this.idleShifts.push({ ...shift, growths: this.growths });
    // Hosts moved, or stale (nothing else was: a frame of ours would have been asked for).
    if (shifts.length > 0 || this.staleMarked) this.requestFrame();
    else if (this.shifted) this.checkWhenIdle();
  }

  /**
   * The page grew: the sentinels of each host near the viewport are read, of those far from it up
   * to FAR_SENTINEL_READS_PER_FRAME (a stale one's last written place tells as well as a current
   * one's); a host whose sentinels all stayed keeps its positions without a read, one whose
   * sentinels all moved by the same offset has every button moved by it without a read (a column
   * widened left of its numbers, rows grown above them), one where they moved otherwise has every
   * entry read again (they go stale). Far ones also only until `readsEnd` (a host at least): an
   * idle slice's. Reads only: the frame writes after, the shifts returned.
   */
  private checkShifts(readLayer: (layer: Layer) => LayerRead | null, isNear: (top: number, bottom: number) => boolean, scrollX: number, scrollY: number, farSentinelReads: number, readsEnd = Number.POSITIVE_INFINITY): HostShift[] {
    const far: HostGroup[] = [];
    const shifts: HostShift[] = [];
    const check = (group: HostGroup, sentinels: readonly Entry[]) => {
      group.checked = this.growths;
      const by = this.commonOffset(sentinels, readLayer, scrollX, scrollY);
      if (by === null) {
        for (const entry of group.entries) entry.epoch = -1;
        this.staleMarked = true;
      } else if (by.left !== 0 || by.top !== 0) shifts.push({ group, by });
    };
    for (const group of this.groups.values()) {
      if (group.checked === this.growths) continue;
      const sentinels = (group.sentinels ??= sentinelsOf([...group.entries]));
      // Its topmost and bottommost numbers are among its sentinels: whether any of its numbers is near.
      let top = Number.POSITIVE_INFINITY;
      let bottom = Number.NEGATIVE_INFINITY;
      for (const sentinel of sentinels) {
        top = Math.min(top, sentinel.top);
        bottom = Math.max(bottom, sentinel.top);
      }
      if (isNear(top, bottom)) check(group, sentinels);
      else far.push(group);
    }
    // The far hosts checked longest ago first: the page grows again before all are read (an infinite
    // scroll's next append), and those at the end of the list would wait for its last append.
    far.sort((a, b) => a.checked - b.checked);
    let farReads = farSentinelReads;
    let read = 0;
    for (; read < far.length && farReads > 0 && (read === 0 || this.clock() < readsEnd); read++) {
      const group = far[read] as HostGroup;
      const sentinels = group.sentinels ?? [];
      farReads -= sentinels.length;
      check(group, sentinels);
    }
    this.shifted = read < far.length;
    return shifts;
  }

  /**
   * How far every sentinel moved, if all by the same offset; null if they moved apart or one is
   * no longer rendered. After the bench's Contact column widens at its 10,000th row, re-reading
   * each number took ~200 ms of our script in the scroll for ~10,000 buttons that all moved by
   * the same few pixels (issue #12).
   */
  private commonOffset(sentinels: readonly Entry[], readLayer: (layer: Layer) => LayerRead | null, scrollX: number, scrollY: number): ButtonAt | null {
    let by: ButtonAt | undefined;
    for (const sentinel of sentinels) {
      const end = this.readNumberEnd(sentinel.anchor);
      if (!end || !sentinel.at) return null;
      const at = buttonAt(end, sentinel.layer ? readLayer(sentinel.layer) : null, scrollX, scrollY);
      const offset = { left: at.left - sentinel.at.left, top: at.top - sentinel.at.top };
      if (!by) by = offset;
      else if (!sameAt(by, offset)) return null;
    }
    return by ?? { left: 0, top: 0 };
  }

  /** Reads a layer's clip box once, when first asked, into `reads` (a pass's or an idle slice's). */
  private layerReader(reads: Map<Layer, LayerRead | null>, placements: PlacementReader, scrollX: number, scrollY: number): (layer: Layer) => LayerRead | null {
    return (layer) => {
      if (!reads.has(layer)) reads.set(layer, layer.clip ? this.readLayer(layer.clip, placements, scrollX, scrollY) : null);
      return reads.get(layer) ?? null;
    };
  }

  /** The layer's clip box (the clipping element's box within its own clipping ancestors'), in document coordinates. */
  private readLayer(clipElement: Element, placements: PlacementReader, scrollX: number, scrollY: number): LayerRead {
    const clip = this.readClipBox(clipElement);
    let { left, top, right, bottom } = clip;
    for (let outer = outerClip(placements, clipElement); outer; outer = outerClip(placements, outer)) {
      const box = this.readClipBox(outer);
      left = Math.max(left, box.left);
      top = Math.max(top, box.top);
      right = Math.min(right, box.right);
      bottom = Math.min(bottom, box.bottom);
    }
    return { clip, box: { left: left + scrollX, top: top + scrollY, width: right - left, height: bottom - top }, originX: clip.left - left, originY: clip.top - top };
  }

  private clipHost(layer: Layer, host: OverlayHost, read: LayerRead): void {
    host.clipTo(read.box);
    layer.originX = read.originX;
    layer.originY = read.originY;
    host.scrollTo(layer.originX - read.clip.scrollLeft, layer.originY - read.clip.scrollTop);
  }

  /**
   * A number not rendered (display:none, visibility:hidden, a closed details, a collapsed row:
   * no box) has its buttons out of the page, in no host, until a read after a change of the page
   * finds it rendered. The scanner reads no style to tell: a style read in its mutation callback
   * forced the page's pending style (2.0 s of the infinite scroll, issue #12).
   */
  private keepOut(entry: Entry): void {
    this.unplace(entry);
    entry.inline = false;
    entry.epoch = this.epoch;
  }

  /** Puts the entry's buttons at its number's end, in a host of `layer`. */
  private position(entry: Entry, layer: Layer, read: LayerRead | null, end: NumberEnd, scrollX: number, scrollY: number): void {
    entry.epoch = this.epoch;
    entry.inline = false;
    entry.layer = layer;
    entry.top = end.top + scrollY;
    const at = buttonAt(end, read, scrollX, scrollY);
    // From elsewhere only in the last pass of the page's change: no later entry may want it at its own place.
    if (entry.buttons.length === 0 && !this.takeOver(entry, layer, at, this.readThroughMarked && this.pending.length === 0)) this.make(entry);
    // Rewriting a style that did not change still restyles the button and lays its host out again.
    if (!sameAt(entry.at, at)) {
      if (entry.host) this.groupOf(entry.host).sentinels = undefined;
      moveButtons(entry, at);
    }
    if (!entry.host) {
      entry.host = this.hostFor(layer, read, at.top);
      entry.host.add(entry.buttons);
      const group = this.groupOf(entry.host);
      group.entries.add(entry);
      group.sentinels = undefined;
    }
    if (!read) coverButtons(entry.host, entry);
  }

  /** Moves a placed entry's buttons by `by`, its number not read: its host's sentinels moved by as much, and stay its sentinels. */
  private shiftBy(entry: Entry, by: ButtonAt): void {
    const { at, host, layer } = entry;
    if (!at || !host) return;
    entry.top += by.top;
    moveButtons(entry, { left: at.left + by.left, top: at.top + by.top });
    if (layer && !layer.clip) coverButtons(host, entry);
  }

  private placeInline(entry: Entry): void {
    if (entry.buttons.length === 0) this.make(entry);
    entry.inline = true;
    const { anchor } = entry;
    if (!anchor.parentNode) return;
    const root = anchor.getRootNode();
    if (root.nodeType === Node.DOCUMENT_NODE || root.nodeType === Node.DOCUMENT_FRAGMENT_NODE) adoptCallButtonStyle(root as Document | ShadowRoot);
    anchor.after(...entry.buttons);
  }

  private unplace(entry: Entry): void {
    if (entry.inline) for (const button of entry.buttons) button.remove();
    else if (entry.host && entry.layer) {
      entry.host.remove(entry.buttons);
      const group = this.groupOf(entry.host);
      group.entries.delete(entry);
      group.sentinels = undefined;
      if (entry.host.count === 0) this.dropHost(entry.layer, entry.host);
    }
    entry.inline = undefined;
    entry.host = undefined;
    entry.layer = undefined;
    entry.at = undefined;
    entry.epoch = -1;
  }

  /**
   * The entries of numbers the page removed. A host left holding none of the page's numbers keeps
   * their buttons, out of sight (one write), for new anchors of the same numbers to take over: a
   * tbody of 10,000 rows replaced took its 10,000 buttons out (later its hosts whole) and made
   * 10,000 new ones, inserted, styled and laid out again (issue #12). A host that still holds
   * other numbers has the gone ones' buttons taken out. No new button goes into a parked host.
   */
  private park(gone: readonly Entry[]): void {
    const goneIn = new Map<OverlayHost, number>();
    for (const { host } of gone) if (host) goneIn.set(host, (goneIn.get(host) ?? 0) + 1);
    for (const [host, count] of goneIn) if (count < this.groupOf(host).entries.size) goneIn.delete(host);
    for (const entry of gone) {
      this.entries.delete(entry.anchor);
      const { host, layer, at } = entry;
      if (!host || !layer || !at || !goneIn.has(host)) {
        this.unplace(entry);
        continue;
      }
      const group = this.groupOf(host);
      group.entries.delete(entry);
      group.sentinels = undefined;
      group.parked++;
      entry.parked = true;
      const calls = callsOf(entry.targets);
      let list = this.parked.get(calls);
      if (!list) {
        list = { entries: [], next: 0 };
        this.parked.set(calls, list);
      }
      list.entries.push(entry);
      this.parkedAt.set(calls, at, entry);
      if (!host.parked) {
        host.park();
        this.parkedHosts.set(host, layer);
      }
    }
  }

  /**
   * Gives a new entry the buttons of a parked one calling the same numbers: the one at the same
   * place (nothing written), else, `elsewhere`, the first the page had. Its attributes are written
   * where they differ (the number as shown), its position where it moved; it goes into another
   * host only if its layer changed or it moved far from its host's others. Taken from elsewhere
   * only in the pass that places the last entries of a page read through: the list repeats its
   * numbers (a CRM's contacts share a switchboard), and a row read early took the button of a row
   * further down that the scanner had yet to hand over, which then took the next one's, each
   * moved far, into new hosts (tests/e2e/overlay.test.ts's re-renders grew a host each).
   */
  private takeOver(entry: Entry, layer: Layer, at: ButtonAt, elsewhere: boolean): boolean {
    // Nothing parked (a list filled, not re-rendered): no key made for each new number.
    if (this.parked.size === 0) return false;
    const calls = callsOf(entry.targets);
    let kept = this.parkedAt.get(calls, at);
    if (elsewhere && (!kept?.parked || kept.layer !== layer)) {
      const list = this.parked.get(calls);
      while (list && list.next < list.entries.length && !list.entries[list.next]?.parked) list.next++;
      kept = list?.entries[list.next];
    }
    const host = kept?.host;
    if (!kept?.parked || (kept.layer !== layer && !elsewhere) || !host || !kept.at) return false;
    kept.parked = false;
    this.parkedAt.delete(calls, kept.at);
    entry.buttons = kept.buttons;
    entry.buttons.forEach((button, i) => {
      retargetCallButton(button, entry.targets[i] as PhoneTarget);
      owners.set(button, entry.anchor);
    });
    const group = this.groupOf(host);
    group.parked--;
    if (kept.layer === layer && (layer.clip !== null || host.takesAt(at.top))) {
      entry.host = host;
      entry.at = kept.at;
      group.entries.add(entry);
      group.sentinels = undefined;
    } else host.remove(entry.buttons);
    if (group.parked === 0) this.showParked(host);
    return true;
  }

  private make(entry: Entry): void {
    const buttons: HTMLButtonElement[] = [];
    for (const target of entry.targets) {
      const button = createCallButton(this.doc, target);
      owners.set(button, entry.anchor);
      buttons.push(button);
    }
    entry.buttons = buttons;
  }

  /** A parked host none of whose buttons waits any longer: shown again, or gone whole if it holds none of the page's numbers. */
  private showParked(host: OverlayHost): void {
    const layer = this.parkedHosts.get(host);
    if (!layer) return;
    this.parkedHosts.delete(host);
    if (this.groupOf(host).entries.size === 0) this.dropHost(layer, host);
    else host.unpark();
  }

  /**
   * The parked buttons no new anchor took: a host holding no other goes whole with them (after
   * the new hosts went in), from one that does they go one by one.
   */
  private dropParked(): void {
    for (const list of this.parked.values()) {
      for (let i = list.next; i < list.entries.length; i++) {
        const entry = list.entries[i] as Entry;
        if (!entry.parked || !entry.host) continue;
        entry.parked = false;
        const group = this.groupOf(entry.host);
        group.parked--;
        if (group.entries.size > 0) entry.host.remove(entry.buttons);
      }
    }
    this.parked.clear();
    this.parkedAt.clear();
    for (const host of [...this.parkedHosts.keys()]) this.showParked(host);
  }

  private groupOf(host: OverlayHost): HostGroup {
    let group = this.groups.get(host);
    if (!group) {
      // Made for entries just read: nothing the page did before moved them.
      group = { entries: new Set(), sentinels: undefined, checked: this.growths, parked: 0 };
      this.groups.set(host, group);
    }
    return group;
  }

  private dropHost(layer: Layer, host: OverlayHost): void {
    host.detach();
    this.forgetHost(layer, host);
  }

  private forgetHost(layer: Layer, host: OverlayHost): void {
    this.groups.delete(host);
    layer.hosts.splice(layer.hosts.indexOf(host), 1);
    if (layer.hosts.length > 0) return;
    this.layers.delete(layer.clip);
    if (layer.clip) this.resizes?.unobserve(layer.clip);
  }

  private layerFor(clip: Element | null): Layer {
    let layer = this.layers.get(clip);
    if (!layer) {
      layer = { clip, hosts: [], originX: 0, originY: 0 };
      this.layers.set(clip, layer);
      if (clip) this.resizes?.observe(clip);
    }
    return layer;
  }

  /** The layer's last host, if it has room (and, in the document's layer, the button is near its others); else a new one. */
  private hostFor(layer: Layer, read: LayerRead | null, top: number): OverlayHost {
    const last = layer.hosts.at(-1);
    if (last?.hasRoom && (read || last.takesAt(top))) return last;
    const host = new OverlayHost(this.doc, layer.clip !== null);
    if (read) this.clipHost(layer, host, read);
    layer.hosts.push(host);
    host.attach(this.doc);
    return host;
  }

  /** Follows what moves numbers without a mutation: resizes, fonts, scrolling elements. */
  private watch(): void {
    if (this.watching) return;
    const watching = new AbortController();
    this.watching = watching;
    const { signal } = watching;
    const view = this.doc.defaultView;
    const stale = () => this.markStale();
    if (typeof ResizeObserver === 'function') {
      this.resizes = new ResizeObserver((resizes) => safely(() => this.onResize(resizes)));
      this.resizes.observe(this.doc.documentElement);
      for (const clip of this.layers.keys()) if (clip) this.resizes.observe(clip);
    }
    const mutations = new MutationObserver((records) => safely(() => this.onPageMutations(records)));
    mutations.observe(this.doc.documentElement, { childList: true, subtree: true, attributes: true, characterData: true });
    signal.addEventListener('abort', () => mutations.disconnect());
    view?.addEventListener('resize', stale, { signal });
    this.doc.fonts?.addEventListener('loadingdone', stale, { signal });
    this.doc.addEventListener('scroll', (event) => safely(() => this.onScroll(event.target)), { capture: true, passive: true, signal });
  }

  /**
   * An append moves the numbers just before it (read again) and, through the boxes holding both,
   * groups of numbers (their sentinels tell); any other change of the page may move any number.
   */
  private onPageMutations(records: MutationRecord[]): void {
    for (const record of records) {
      if (this.isOwnInsertion(record)) continue;
      if (!isAppend(record)) {
        this.markStale();
        return;
      }
      this.markShifted();
      this.appended = true;
      for (const node of nodesBefore(record)) {
        const entry = this.entries.get(node as Anchor);
        if (!entry) continue;
        entry.epoch = -1;
        this.staleMarked = true;
      }
    }
  }

  /**
   * The document's height alone changed: its content grew or shrank (rows appended, an image
   * loaded), which moves numbers in groups. A new width reflows every line, as does a resized
   * clipping element: every position may have moved.
   */
  private onResize(resizes: ResizeObserverEntry[]): void {
    for (const { target, contentRect } of resizes) {
      if (target !== this.doc.documentElement) this.markStale();
      else if (contentRect.width !== this.documentWidth) {
        this.documentWidth = contentRect.width;
        this.markStale();
      } else this.markShifted();
    }
  }

  /** Our hosts going into the body are no change of the page's. */
  private isOwnInsertion(record: MutationRecord): boolean {
    if (record.type !== 'childList') return false;
    return [...record.addedNodes].every(isOverlayHost) && [...record.removedNodes].every(isOverlayHost) && record.addedNodes.length > 0;
  }

  /**
   * The window scrolled: buttons in document coordinates move with the page by themselves; stale
   * ones now near the viewport are read. An element scrolled: the buttons of its numbers move
   * with one transform per host, in this event (before the frame paints); layers inside it moved.
   */
  private onScroll(target: EventTarget | null): void {
    if (!target || target === this.doc || target === this.doc.documentElement || target === this.doc.body) {
      this.requestFrame();
      return;
    }
    const element = target as Element;
    for (const layer of this.layers.values()) {
      if (layer.clip === element) for (const host of layer.hosts) host.scrollTo(layer.originX - element.scrollLeft, layer.originY - element.scrollTop);
      else if (layer.clip && element.contains(layer.clip)) this.markStale();
    }
  }

  private settle(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const resolve of waiters) resolve();
  }
}

/** Each button's anchor: the number it was made for or taken over by. */
const owners = new WeakMap<HTMLButtonElement, Anchor>();

/** The text node or link whose number `button` calls. */
export function anchorOf(button: HTMLButtonElement): Anchor | undefined {
  return owners.get(button);
}

/** What an entry's buttons call, one key for them all: a parked entry's buttons serve another calling the same. */
function callsOf(targets: readonly PhoneTarget[]): string {
  // Most numbers are one target without an extension: no array made and joined for each.
  const only = targets[0];
  if (targets.length === 1 && only && !only.extension) return only.e164;
  return targets.map((target) => (target.extension ? `${target.e164};${target.extension}` : target.e164)).join(' ');
}

/** Writes where the entry's buttons are, one after the other from `at`. */
function moveButtons(entry: Entry, at: ButtonAt): void {
  entry.at = at;
  // Two lengths, not one cssText: Chromium parses a lone length on a fast path, a declaration
  // list with its full parser (10,000 buttons' positions ×0.4–0.8 in a probe, issue #12).
  for (let i = 0; i < entry.buttons.length; i++) {
    const { style } = entry.buttons[i] as HTMLButtonElement;
    style.left = `${at.left + i * BUTTON_STRIDE}px`;
    style.top = `${at.top}px`;
  }
}

/** Grows a document-layer host over the entry's buttons, where they now are. */
function coverButtons(host: OverlayHost, entry: Entry): void {
  const at = entry.at as ButtonAt;
  host.cover(at.left, at.top, at.left + entry.buttons.length * BUTTON_STRIDE - BUTTON_GAP, at.top + BUTTON_SIZE);
}

/** Where an entry's first button goes: after the number's end, centred on its line, in its layer's coordinates. */
function buttonAt(end: NumberEnd, read: LayerRead | null, scrollX: number, scrollY: number): ButtonAt {
  // Document coordinates, or the clipping element's content coordinates (its scroll undone).
  const [dx, dy] = read ? [read.clip.scrollLeft - read.clip.left, read.clip.scrollTop - read.clip.top] : [scrollX, scrollY];
  return { left: end.right + BUTTON_GAP + dx, top: (end.top + end.bottom) / 2 - BUTTON_SIZE / 2 + dy };
}
