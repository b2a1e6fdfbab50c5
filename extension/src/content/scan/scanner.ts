import { isCallButton, listenToCallButtons } from '../call-buttons.ts';
import { type PhoneTarget, parseCallHref } from '../../numbers/detect-numbers.ts';
import { DetectionCache } from './detection-cache.ts';
import { sharesLine, type TextAround, textAround, textsReachedAfter } from './inline-run.ts';
import { BUTTONS_PER_FRAME } from './button-overlay.ts';
import { type Anchor, ButtonSlots, removeAllCallButtons } from './button-slots.ts';
import { isOverlayHost } from './overlay-host.ts';
import { afterLayout, type AfterLayoutCallback } from './after-layout.ts';
import { measureNextFrame, nextTask } from './schedule.ts';
import { safely } from './safely.ts';
import { isCallLink, ScanFilter } from './scan-filter.ts';
import { ScanQueue } from './scan-queue.ts';
import { elementInView } from './viewport-start.ts';
import { type FrameLedger, ourFrames, PAGE_LONG_LAYOUT_MS, roomAfterLayout } from './frame-budget.ts';
import { isAppend } from './layout-shift.ts';

export interface ScannerOptions {
  root: Document;
  /** ISO 3166 alpha-2 country national numbers are read in. */
  defaultCountry: string;
  /** Aborting stops observing and removes every button. */
  signal: AbortSignal;
  /** A trusted click on a button. */
  onCall(e164: string, extension?: string): void;
  /** Main-thread time one reading slice may take before the page gets the thread back. */
  budgetMs?: number;
  /** Runs the next reading slice; a new task by default, not tied to frames. */
  yieldToPage?: (callback: () => void) => void;
  /** Tells how long the page's next frame took to render; measured around the next animation frame by default. */
  measurePageFrame?: (callback: (renderMs: number) => void) => void;
  /** Runs a reading slice right after the page's next layout, before the overlay's pass in that frame; afterLayout by default. */
  afterPageLayout?: (callback: AfterLayoutCallback) => void;
  /** How many buttons' changes a long read gathers before handing them to the overlay, at most how long; HAND_OFF_* by default. */
  handOff?: { buttons: number; waitMs: number };
  /** Where the reads' time is counted towards the frame they are in (the overlay's pass takes what is left); the content script's by default. */
  ledger?: FrameLedger;
}

export interface Scanner {
  /** Removes every button and scans the page again, e.g. in a new default country. */
  rescan(defaultCountry?: string): void;
  /** Resolves once every change seen so far has been scanned. */
  idle(): Promise<void>;
}

const DEFAULT_BUDGET_MS = 10;

/**
 * A read that goes on for many slices (a list filled or re-rendered at once) hands its button
 * changes to the overlay this many buttons at a time, what the overlay draws in one frame, not
 * slice by slice: each hand-off asks for a frame, and each frame lays out and pre-paints the
 * page again. Handed per 10 ms slice, 10,000 rows took ~100 frames of ~100 buttons; the
 * rendering was 5.9 s of the 10 s the read went on, the read itself starved (issue #12).
 * Counted in buttons, not anchors: texts read with no number (a date, an order id) were remembered
 * without a button, and counted as anchors they made 10,000 rows ~65 frames of ~150 buttons.
 */
const HAND_OFF_BUTTONS = BUTTONS_PER_FRAME;

/** ... or once the first change gathered has waited this long: the agent sees buttons while a slow read goes on. */
const HAND_OFF_WAIT_MS = 100;

/**
 * How long the observer's callback reads what the page just added, before the page's frame:
 * the buttons read then are laid out with the page's own change, not in a layout of ours.
 * At least this long, ...
 */
const IN_PAGE_FRAME_BUDGET_MS = 8;

/**
 * ... or this share of what the page's last change cost it to render, whichever is more. An
 * infinite scroll's frames take hundreds of ms (the layout of its growing table): 8 ms read per
 * frame starved, the buttons came 18 s after the last append (issue #12). A share of the
 * page's own cost reads each append in the frame that lays it out, and slows the page by about
 * that share (the goal: 20 %).
 */
const PAGE_FRAME_SHARE = 0.2;

/** No callback holds the page's frame longer than this, however costly the page's frames. */
const MAX_IN_PAGE_FRAME_BUDGET_MS = 250;

/**
 * Frames in a row an append waits for one the page made long, or one with room left (frame-budget.ts),
 * before it is read for IN_PAGE_FRAME_BUDGET_MS in the next: a page whose every frame is laid out in
 * 60 to 100 ms (PAGE_LONG_LAYOUT_MS) still gets its buttons.
 */
const MAX_FRAMES_DEFERRED = 3;

/**
 * `href` for call links; `contenteditable` for views turned into inline editors; `hidden` and
 * `aria-hidden` show a subtree the scanner skipped; `class` and `style` changes are how a host
 * that attached its shadow root after it was scanned shows up. A class or style that hides or
 * shows text (Vtiger's `.hide`) is the overlay's: it keeps the buttons of numbers without a box
 * out of the page, and reads them again when the page changes.
 */
const OBSERVED: MutationObserverInit = {
  childList: true,
  subtree: true,
  characterData: true,
  attributes: true,
  attributeFilter: ['href', 'contenteditable', 'hidden', 'aria-hidden', 'class', 'style'],
};

/**
 * Puts a call button after every phone number in `root`, its open shadow roots included,
 * and keeps them right as the page changes: only added or changed nodes are read, in slices
 * of at most `budgetMs` that give the thread back to the page in between, a subtree from
 * where the viewport shows it first; each slice hands the buttons it read to the overlay,
 * which draws them in its coming frames. Frames are not entered: the content script runs in
 * each of them.
 */
export function startScanner(options: ScannerOptions): Scanner {
  const scanner = new PageScanner(options);
  if (options.signal.aborted) scanner.stop();
  else options.signal.addEventListener('abort', () => safely(() => scanner.stop()), { once: true });
  return { rescan: (country) => safely(() => scanner.rescan(country)), idle: () => scanner.idle() };
}

class PageScanner {
  private readonly root: Document;
  private readonly budgetMs: number;
  private readonly yieldToPage: (callback: () => void) => void;
  private readonly measureNextFrame: (callback: (renderMs: number) => void) => void;
  private readonly afterPageLayout: (callback: AfterLayoutCallback) => void;
  private readonly handOffAt: { buttons: number; waitMs: number };
  private readonly ledger: FrameLedger;
  /** What was found in each text, in the default country. */
  private detections: DetectionCache;
  private slots: ButtonSlots;
  private readonly queue: ScanQueue;
  private readonly observer: MutationObserver;
  /** Open shadow roots observed, besides the document: observed again after each write. */
  private readonly observedRoots = new Set<ShadowRoot>();
  /** Outermost elements hidden by an attribute whose text was skipped, rescanned when they may have been shown. */
  private readonly hiddenRoots = new Set<Element>();
  /** Elements whose class, style or hidden state changed since the last reading slice. */
  private readonly restyled = new Set<Node>();
  /** Elements whose contenteditable changed: the buttons inside are checked again until the queue drains. */
  private readonly editingChanged = new Set<Node>();
  /** Button changes read and not yet handed off, the last one per anchor, and how many buttons each adds or takes away (see HAND_OFF_BUTTONS). */
  private readonly writes = new Map<Anchor, { change: () => void; buttons: number }>();
  /** The buttons `writes` add or take away. */
  private writtenButtons = 0;
  /** When the oldest of `writes` was read. */
  private writesSince = 0;
  /** What the page's last change cost it to render (its frame's style, layout and paint). */
  private pageFrameMs = 0;
  private measuringPageFrame = false;
  /** Subtrees whose walk is to jump to what is in view, once laid out. */
  private readonly inViewRequested = new WeakSet<Node>();
  /** ... and those that jumped. */
  private readonly walkedInView = new WeakSet<Node>();
  private reading = false;
  private readingAfterLayout = false;
  /** The page's last change added nodes at the end of their parents, nothing else. */
  private lastChangeAppended = false;
  /**
   * The page appends again and again (an infinite scroll): what it appends is read after the
   * layout of the frame it is in, by what that layout took, and what is left in the frames after,
   * not in the observer's callback nor in slices (readAfterPageLayout).
   */
  private appending = false;
  /** Frames in a row whose layout left no room for an append's read. */
  private framesDeferred = 0;
  private stopped = false;
  private waiters: Array<() => void> = [];

  constructor(options: ScannerOptions) {
    this.root = options.root;
    this.budgetMs = options.budgetMs ?? DEFAULT_BUDGET_MS;
    this.yieldToPage = options.yieldToPage ?? nextTask;
    this.measureNextFrame = options.measurePageFrame ?? measureNextFrame;
    this.afterPageLayout = options.afterPageLayout ?? ((callback) => afterLayout(callback, { first: true }));
    this.handOffAt = options.handOff ?? { buttons: HAND_OFF_BUTTONS, waitMs: HAND_OFF_WAIT_MS };
    this.ledger = options.ledger ?? ourFrames;
    listenToCallButtons(this.root, options.onCall, options.signal);
    this.detections = new DetectionCache(options.defaultCountry);
    this.slots = new ButtonSlots(this.root);
    this.queue = new ScanQueue(
      this.root,
      (shadowRoot) => {
        this.observe(shadowRoot);
        this.queue.add(shadowRoot);
      },
      // What plan would find for it: no number, no buttons of its own to take away.
      (text, data) => this.detections.numbersIn(data).length === 0 && !this.slots.has(text) && !this.writes.has(text),
    );
    this.observer = new MutationObserver((records) => safely(() => this.onMutations(records)));
    this.observer.observe(this.root, OBSERVED);
    this.queue.add(this.root);
    this.requestRead();
  }

  rescan(country?: string): void {
    if (this.stopped) return;
    if (country !== undefined) this.detections = new DetectionCache(country);
    removeAllCallButtons(this.root);
    this.slots = new ButtonSlots(this.root);
    this.hiddenRoots.clear();
    this.editingChanged.clear();
    this.queue.clear();
    this.clearWrites();
    this.lastChangeAppended = false;
    this.appending = false;
    this.queue.add(this.root);
    this.requestRead();
  }

  idle(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    // Changes made just before this call are still in the observer's queue.
    safely(() => this.onMutations(this.observer.takeRecords()));
    // The overlay shows what was handed to it a few hundred buttons per frame.
    if (!this.busy) return this.slots.placed();
    return new Promise<void>((resolve) => this.waiters.push(resolve)).then(() => this.slots.placed());
  }

  stop(): void {
    this.stopped = true;
    this.observer.disconnect();
    this.queue.clear();
    this.hiddenRoots.clear();
    this.restyled.clear();
    this.editingChanged.clear();
    this.clearWrites();
    removeAllCallButtons(this.root);
    this.settle();
  }

  private observe(shadowRoot: ShadowRoot): void {
    if (this.observedRoots.has(shadowRoot)) return;
    this.observedRoots.add(shadowRoot);
    this.observer.observe(shadowRoot, OBSERVED);
  }

  /**
   * Runs our own DOM changes unobserved: each inserted button would come back as a record of
   * its own, read and dropped by the callback (25,000 in the infinite scroll, half a second
   * of script in a profile, issue #12). The page's records made before are read first.
   */
  private unobserved(change: () => void): void {
    safely(() => this.onMutations(this.observer.takeRecords()));
    this.observer.disconnect();
    try {
      change();
    } finally {
      this.observer.observe(this.root, OBSERVED);
      for (const shadowRoot of this.observedRoots) {
        // A host the page dropped takes its shadow root along: no longer observed, nor held.
        if (shadowRoot.host.isConnected) this.observer.observe(shadowRoot, OBSERVED);
        else this.observedRoots.delete(shadowRoot);
      }
    }
  }

  /** A read scheduled: a slice, or an append's read after a coming frame's layout. */
  private get busy(): boolean {
    return this.reading || (this.appending && this.readingAfterLayout);
  }

  private onMutations(records: MutationRecord[]): void {
    // None since the last (taken before a hand-off, or by idle): nothing to start, an append's read waits for its frame.
    if (records.length === 0) return;
    let pageChanged = false;
    let onlyAppends = true;
    for (const record of records) {
      const { type, target, addedNodes, removedNodes, nextSibling, attributeName } = record;
      if (isCallButton(target)) continue; // our own buttons' attributes are no change of the page
      if (type !== 'childList' || !isAppend(record)) onlyAppends = false;
      if (type === 'characterData') {
        pageChanged = true;
        if (target.nodeType === Node.TEXT_NODE) this.queue.add(target);
      } else if (type === 'childList') {
        // Our own writes are no change of the page's: reading after them would make a layout of ours per frame.
        // The overlay adds its hosts in its pass after the frame's layout: a read then would restyle the page mid-frame.
        for (const node of addedNodes) {
          if (isOurs(node)) continue;
          pageChanged = true;
          this.queue.add(node);
        }
        for (const node of removedNodes) {
          // Our button removed by the page (its anchor stays): put it back. A removed anchor: drop its buttons.
          const restored = this.slots.anchorToRestore(node);
          pageChanged ||= restored !== undefined || !isOurs(node);
          const anchor = restored ?? (this.slots.has(node) ? node : undefined);
          if (anchor) this.queue.add(anchor);
        }
        // What followed a removed node may have held the end of a number split across both.
        if (removedNodes.length > 0 && nextSibling && !isCallButton(nextSibling)) this.queue.add(nextSibling);
      } else if (attributeName === 'href') {
        // No longer a call link: its button goes, its text becomes ordinary text to scan.
        if (!isCallLink(target as Element) && this.slots.has(target)) this.slots.release(target);
        this.queue.add(target);
      } else if (attributeName === 'contenteditable') {
        // Now an editor (no buttons in what the agent types), or no longer one: read it again.
        this.editingChanged.add(target);
        this.queue.add(target);
      } else if (this.hiddenRoots.size > 0) {
        this.restyled.add(target);
      }
      // A shadow root attached after the host was scanned shows up with the host's next change.
      const shadowRoot = (target as Element).shadowRoot;
      if (shadowRoot && !this.observedRoots.has(shadowRoot)) {
        this.observe(shadowRoot);
        this.queue.add(shadowRoot);
      }
    }
    if (!pageChanged) {
      this.requestRead();
      return;
    }
    // An append after an append (an infinite scroll): read after the layout of the frame it is
    // in, sized by what that layout took. Read in the observer's callback, before the layout, the
    // scroll's appends were read for a share of the page's last frame, and ~40 ms of ours (that
    // read and the overlay's pass) made a frame the page kept under 100 ms a frame over it (two of
    // the scroll's 51, issue #12). The page's first append is read as any other change.
    const scrolling = onlyAppends && this.lastChangeAppended;
    this.lastChangeAppended = onlyAppends;
    this.appending = scrolling;
    if (scrolling) {
      this.readAfterPageLayout();
      this.measurePageFrame();
      return;
    }
    // The page changed its content: the browser lays it out at the next frame anyway. What is
    // read of the change now goes to the overlay, which draws it in that same frame (infinite
    // scroll: no frame of ours per append; a list filled at once: the rows in view get their
    // buttons with it). The rest is read in slices as before.
    this.readSlice(inPageFrameBudget(this.pageFrameMs), true);
    this.readAfterPageLayout();
    this.measurePageFrame();
  }

  /**
   * What the callback left of a large change (a list filled or re-rendered at once) is read on
   * right after the page's frame has laid it out, for a share of what that layout took, and the
   * overlay's pass that follows in the same frame draws it: a frame the page made long by itself
   * takes our work in proportion, instead of frames of ours after it (a 10,000-row fill: ~9 of
   * ~110 ms after the page's own, issue #12). The layout being clean, the walk first jumps to the
   * rows in view.
   */
  private readAfterPageLayout(): void {
    if (this.readingAfterLayout || this.queue.isEmpty) return;
    this.readingAfterLayout = true;
    this.afterPageLayout((laidOutMs) =>
      safely(() => {
        this.readingAfterLayout = false;
        if (this.queue.isEmpty || this.stopped) {
          if (!this.busy) this.settle();
          return;
        }
        const root = this.queue.walking;
        if (root) this.jumpToView(root);
        if (!this.appending) {
          this.readSlice(inPageFrameBudget(laidOutMs), true);
          return;
        }
        // A frame the page made long takes a share of its layout; one it did not, what leaves it
        // under 100 ms, half of it for this read (the overlay's pass takes the rest); none: a coming frame.
        const budgetMs = laidOutMs >= PAGE_LONG_LAYOUT_MS ? inPageFrameBudget(laidOutMs) : roomAfterLayout(laidOutMs) / 2;
        if (budgetMs <= 0 && this.framesDeferred < MAX_FRAMES_DEFERRED) {
          this.framesDeferred++;
          this.readAfterPageLayout();
          return;
        }
        this.framesDeferred = 0;
        this.readSlice(budgetMs > 0 ? budgetMs : IN_PAGE_FRAME_BUDGET_MS, true);
      }),
    );
  }

  private measurePageFrame(): void {
    if (this.measuringPageFrame) return;
    this.measuringPageFrame = true;
    this.measureNextFrame((renderMs) => {
      this.measuringPageFrame = false;
      // The page's own: ours in that frame taken out. Counted in, a frame we made long raised the
      // next read's share, which made the next frame longer (an infinite scroll's read of 153 ms,
      // 260 ms of wall time, after a frame of 765 ms of which ~300 ms were ours, issue #12).
      this.pageFrameMs = Math.max(0, renderMs - this.ledger.lastFrameMs);
    });
  }

  private requestRead(): void {
    if (this.reading || this.stopped || (this.queue.isEmpty && this.restyled.size === 0)) return;
    this.reading = true;
    this.yieldToPage(() =>
      safely(() => {
        this.reading = false;
        // The page appended again before this slice's turn (an infinite scroll's second append):
        // what is left is read after that append's layout, in the room its frame leaves. Read
        // here, a slice of 10 ms ran in the page's next frame, unmeasured: the scroll's second
        // frame, 92-95 ms of the page's, over 100 ms by our share (issue #12).
        if (this.appending) this.readAfterPageLayout();
        else this.readSlice(this.budgetMs);
      }),
    );
  }

  /**
   * Reads (text, attributes: no style, no layout) for `budgetMs`, then hands the buttons read to the
   * overlay: at once in the page's frame (`inPageFrame`: they are drawn with the page's change),
   * else once enough have gathered or the queue is read through.
   */
  private readSlice(budgetMs: number, inPageFrame = false): void {
    if (!this.stopped) this.ledger.count(() => this.readFor(budgetMs, inPageFrame));
  }

  private readFor(budgetMs: number, inPageFrame: boolean): void {
    try {
      const slice = { deadline: performance.now() + budgetMs };
      this.queueShownRoots();
      const filter = new ScanFilter((element) => this.hiddenRoots.add(element));
      const planned = new Set<Anchor>();
      // At least one anchor per slice, so a tiny budget still makes progress.
      do {
        const anchor = this.queue.next(slice);
        if (!anchor) break;
        if (planned.has(anchor)) continue;
        planned.add(anchor);
        safely(() => this.plan(anchor, filter));
      } while (performance.now() < slice.deadline);
    } finally {
      if (this.queue.isEmpty) this.editingChanged.clear();
      else if (this.appending) this.readAfterPageLayout();
      else this.requestRead();
      const gathered = this.writtenButtons >= this.handOffAt.buttons || (this.writes.size > 0 && performance.now() - this.writesSince >= this.handOffAt.waitMs);
      if (inPageFrame || this.queue.isEmpty || gathered) this.handOff();
      this.readInViewFirst();
    }
  }

  /**
   * A subtree too large for one slice (a list's body filled or re-rendered at once) jumps, right
   * after the page's next frame has laid it out, to what is in view: wherever the list is
   * scrolled to, the agent sees buttons where they look first; the rows jumped over are read
   * after the others. Its hit test reads the layout then, clean: in a task after that frame, an
   * infinite scroll's next append had come first, and the hit test laid it out (180 ms of forced
   * layout, a frame over 100 ms by our share, issue #12).
   */
  private readInViewFirst(): void {
    const root = this.queue.walking;
    if (!root || this.appending || this.inViewRequested.has(root)) return;
    this.inViewRequested.add(root);
    afterLayout(() => safely(() => this.jumpToView(root)), { first: true });
  }

  private jumpToView(root: Node): void {
    // Read through meanwhile (a row an infinite scroll appended), or jumped already: no hit test.
    // Nor while the page appends again and again: its rows come after all it shows, the first
    // of them next to where the agent reads, and the walk reads them first. The scroll's hit
    // tests found nothing of its rows in view and cost more as the list grew (issue #12).
    if (this.appending || this.queue.walking !== root || this.walkedInView.has(root)) return;
    this.walkedInView.add(root);
    const start = elementInView(this.root, root);
    if (start) this.queue.jumpTo(start);
  }

  /**
   * Makes the button changes of this slice: the overlay draws new buttons in its coming frames,
   * writing into its own hosts only, so the agent sees the first ones while the rest is read
   * (10,000 rows: they all waited for the whole read, then 20 frames of the overlay's, issue #12).
   */
  private handOff(): void {
    if (this.stopped) return;
    if (this.writes.size > 0) {
      this.unobserved(() => {
        const writes = [...this.writes.values()];
        this.clearWrites();
        for (const { change } of writes) safely(change);
      });
    }
    this.slots.readThrough(this.queue.isEmpty);
    if (!this.busy) this.settle();
  }

  /** Queues the hidden roots inside (or equal to) an element whose class, style or hidden state changed. */
  private queueShownRoots(): void {
    if (this.restyled.size === 0) return;
    for (const element of this.hiddenRoots) {
      if (!element.isConnected) this.hiddenRoots.delete(element);
      else if (hasAncestorIn(element, this.restyled)) {
        this.hiddenRoots.delete(element);
        this.queue.add(element);
      }
    }
    this.restyled.clear();
  }

  /**
   * Decides the anchor's buttons. A text its walk yielded comes with what the walk read of it (its
   * data, whether it shares its line): it is in the page and a text, none of it is read again
   * (issue #12: a list row's five texts with digits, each read twice).
   */
  private plan(anchor: Anchor, filter: ScanFilter): void {
    const walked = this.queue.walkedTextOf(anchor);
    const isText = walked !== undefined || anchor.nodeType === Node.TEXT_NODE;
    if (!walked && (!anchor.isConnected || (!isText && !isCallLink(anchor as Element)))) {
      this.release(anchor);
      return;
    }
    const around = isText && (walked?.sharesLine ?? sharesLine(anchor as Text)) ? textAround(anchor as Text) : undefined;
    const source = around ? `${around.start}:${around.end}:${around.text}` : walked ? walked.data : isText ? (anchor as Text).data : ((anchor as HTMLAnchorElement).getAttribute('href') ?? '');
    const current = this.slots.isCurrent(anchor, source);
    // Buttons in place stay as they are, unless their anchor may have become editable since;
    // a change read earlier and undone since is not made.
    if (current && (this.editingChanged.size === 0 || !hasAncestorIn(anchor, this.editingChanged))) {
      this.unwrite(anchor);
      return;
    }
    // A number that began in this text may end in the next ones: they are read again too.
    if (around && !current) for (const text of textsReachedAfter(anchor as Text)) this.queue.add(text);
    const targets = this.slots.targetsFor(anchor, source) ?? (isText ? this.readText(source, around) : this.readLink(anchor as HTMLAnchorElement, source));
    // Not remembered: a text without a number (a date, an order id: five of a list row's six) is
    // no write and no slot, only a lookup in the detection cache when it is read again; a hidden
    // anchor is read again when it is shown. The filter is asked only for text that has numbers:
    // most digits on a CRM page are not phone numbers.
    if (targets.length === 0 || !(isText ? filter.allowsTextIn(anchor.parentNode) : filter.allowsLink(anchor as HTMLAnchorElement))) {
      this.release(anchor);
      return;
    }
    if (!current) this.write(anchor, () => this.slots.place(anchor, source, targets), targets.length);
  }

  /** The anchor's buttons go, if it has or is about to have some. */
  private release(anchor: Anchor): void {
    if (this.slots.has(anchor) || this.writes.has(anchor)) this.write(anchor, () => this.slots.release(anchor), 1);
  }

  private write(anchor: Anchor, change: () => void, buttons: number): void {
    if (this.writes.size === 0) this.writesSince = performance.now();
    this.unwrite(anchor);
    this.writes.set(anchor, { change, buttons });
    this.writtenButtons += buttons;
  }

  private unwrite(anchor: Anchor): void {
    this.writtenButtons -= this.writes.get(anchor)?.buttons ?? 0;
    this.writes.delete(anchor);
  }

  private clearWrites(): void {
    this.writes.clear();
    this.writtenButtons = 0;
  }

  /**
   * The numbers that end in a text node, from its `data` as plan read it (each read of it is a
   * call into the browser): one split across inline elements gets its button after its last part.
   */
  private readText(data: string, around: TextAround | undefined): readonly PhoneTarget[] {
    if (!around) return this.detections.numbersIn(data);
    return this.detections.numbersIn(around.text).filter((found) => found.end > around.start && found.end <= around.end);
  }

  private readLink(link: HTMLAnchorElement, href: string): PhoneTarget[] {
    const target = parseCallHref(href, this.detections.country);
    if (!target) return [];
    // "Call Ana" links: name the number in the button's label, not the link's words.
    const shown = link.textContent?.trim() ?? '';
    return [{ ...target, text: /\d/.test(shown) ? shown : target.text }];
  }

  private settle(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const resolve of waiters) resolve();
  }
}

/** How long a read inside the page's frame may take, given what the page's rendering of a change costs (its last frame's, or this one's layout). */
function inPageFrameBudget(renderMs: number): number {
  return Math.min(MAX_IN_PAGE_FRAME_BUDGET_MS, Math.max(IN_PAGE_FRAME_BUDGET_MS, PAGE_FRAME_SHARE * renderMs));
}

/** Is `node`, or an ancestor across shadow boundaries, in `set`? */
function hasAncestorIn(node: Node, set: Set<Node>): boolean {
  for (let current: Node | null = node; current; current = current.parentNode ?? (current as ShadowRoot).host ?? null) {
    if (set.has(current)) return true;
  }
  return false;
}

/** What we add to the page, our buttons and the overlay's hosts: adding or removing them is no change of the page's. */
function isOurs(node: Node): boolean {
  return isCallButton(node) || isOverlayHost(node);
}
