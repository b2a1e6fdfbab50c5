import type { PhoneTarget } from '../numbers/detect-numbers.ts';
import { reportOnce, safely } from './scan/safely.ts';

export type OnActivate = (e164: string, extension?: string) => void;

/**
 * Every button this content script made, with the number it calls: the page can rewrite
 * `data-pc-call`, never the number a click places.
 */
const targets = new WeakMap<Node, PhoneTarget>();

/** A double click is one call, not two. */
const REPEAT_GUARD_MS = 1000;
const lastCalls = new WeakMap<HTMLButtonElement, number>();

/**
 * Grids that act on mousedown or keydown (row selection, Enter opens the record) must not
 * see the events that belong to our button; a cancelled Enter keydown would also swallow the
 * click the browser synthesises from it.
 */
const GUARDED_EVENTS = ['mousedown', 'mouseup', 'pointerdown', 'pointerup', 'dblclick', 'keydown', 'keyup', 'keypress'];

/** Is `node` a call button made by this content script? */
export function isCallButton(node: Node): node is HTMLButtonElement {
  return targets.has(node);
}

/** The button every call button of a document is cloned from (issue #12); its handset is drawn by the stylesheet (call-button-style.ts). */
const prototypes = new WeakMap<Document, HTMLButtonElement>();

/**
 * A round phone button for `target`. It does nothing by itself: `listenToCallButtons` handles
 * the agent's clicks and keys for every button of the document.
 */
export function createCallButton(doc: Document, target: PhoneTarget): HTMLButtonElement {
  let prototype = prototypes.get(doc);
  if (!prototype) {
    prototype = doc.createElement('button');
    prototype.type = 'button';
    prototypes.set(doc, prototype);
  }
  const button = prototype.cloneNode(true) as HTMLButtonElement;
  // Attributes set by name, not through `dataset` and `title`: in Chromium the three took half
  // the time as setAttribute (10,000 buttons: ~30 against ~65 ms in a probe, issue #12).
  button.setAttribute('data-pc-call', target.e164);
  if (target.extension) button.setAttribute('data-pc-ext', target.extension);
  button.setAttribute('aria-label', labelOf(target));
  button.setAttribute('title', titleOf(target));
  targets.set(button, target);
  return button;
}

const labelOf = (target: PhoneTarget) => `Call ${target.text.trim() || target.e164}`;
const titleOf = (target: PhoneTarget) => `Call ${target.e164}${target.extension ? ` ext. ${target.extension}` : ''}`;

/**
 * Hands a button made for another anchor `target` (a list re-rendered, its numbers back: issue
 * #12): each attribute is written only where it differs, a write restyles the button. Told apart
 * from the target the button had, not read back: four attribute reads per button were 44 ms of a
 * 10,000-row re-render's 550 ms of our script (sampled), for buttons that call the same number.
 */
export function retargetCallButton(button: HTMLButtonElement, target: PhoneTarget): void {
  const previous = targets.get(button);
  targets.set(button, target);
  if (previous?.e164 !== target.e164) button.setAttribute('data-pc-call', target.e164);
  if (!previous || previous.extension !== target.extension) {
    if (target.extension) button.setAttribute('data-pc-ext', target.extension);
    else button.removeAttribute('data-pc-ext');
  }
  if (!previous || labelOf(previous) !== labelOf(target)) button.setAttribute('aria-label', labelOf(target));
  if (!previous || titleOf(previous) !== titleOf(target)) button.setAttribute('title', titleOf(target));
}

/**
 * One set of listeners, on the document in the capture phase, for every call button in it and
 * its open shadow roots (events cross them composed): 13 listeners per button cost a tenth of
 * the time to decorate 10,000 rows. Only a trusted click (the agent's mouse, or Enter/Space on
 * the focused button, which browsers turn into a trusted click) calls `onActivate`: a page
 * script's `click()` or `dispatchEvent` must never place a call. Aborting `signal` removes them.
 */
export function listenToCallButtons(doc: Document, onActivate: OnActivate, signal: AbortSignal): void {
  const listen = (type: string, listener: (button: HTMLButtonElement, event: Event) => void) =>
    doc.addEventListener(
      type,
      (event) => {
        const button = callButtonOf(event);
        if (button) safely(() => listener(button, event));
      },
      { capture: true, signal },
    );
  listen('click', (button, event) => {
    if (!event.isTrusted) return;
    // The CRM row around us must not open the record (Vtiger's row click) or follow a link.
    event.preventDefault();
    event.stopPropagation();
    const target = targets.get(button);
    if (!target || event.timeStamp - (lastCalls.get(button) ?? -Infinity) < REPEAT_GUARD_MS) return;
    lastCalls.set(button, event.timeStamp);
    void Promise.resolve(onActivate(target.e164, target.extension)).catch(reportOnce);
  });
  for (const type of GUARDED_EVENTS) {
    listen(type, (_, event) => {
      const key = (event as KeyboardEvent).key;
      if (!type.startsWith('key') || key === 'Enter' || key === ' ') event.stopPropagation();
    });
  }
}

/** The call button an event is for: its target, inside an open shadow root too. */
function callButtonOf(event: Event): HTMLButtonElement | undefined {
  const [first] = event.composedPath();
  return first && isCallButton(first as Node) ? (first as HTMLButtonElement) : undefined;
}
