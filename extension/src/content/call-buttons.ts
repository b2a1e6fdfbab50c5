import type { PhoneTarget } from '../numbers/detect-numbers.ts';
import { reportOnce, safely } from './scan/safely.ts';

export type OnActivate = (e164: string, extension?: string) => void;

/** Every button this content script made, so the scanner never mistakes page nodes for ours. */
const callButtons = new WeakSet<Node>();

/** A double click is one call, not two. */
const REPEAT_GUARD_MS = 1000;

const SVG_NS = 'http://www.w3.org/2000/svg';
const HANDSET =
  'M3.6 1.5 5.7 1c.4-.1.8.1 1 .5l1 2.3c.2.4.1.8-.2 1.1L6.2 6.1a8.5 8.5 0 0 0 3.7 3.7l1.2-1.3c.3-.3.7-.4 1.1-.2l2.3 1c.4.2.6.6.5 1l-.5 2.1c-.1.4-.5.7-.9.7C6.8 13.1 2.9 9.2 2.9 2.4c0-.4.3-.8.7-.9z';

const BACKGROUND = '#15803d';

/**
 * Inline and `!important`: page stylesheets (`button { … !important }` in CRM themes) cannot
 * restyle or hide the button, and `all: initial` drops whatever it would inherit.
 */
const BUTTON_STYLE = [
  'all: initial',
  'box-sizing: border-box',
  'display: inline-flex',
  'align-items: center',
  'justify-content: center',
  'flex: none',
  'width: 18px',
  'height: 18px',
  'margin: 0 0 0 4px',
  'padding: 0',
  'border: 0',
  'border-radius: 50%',
  `background: ${BACKGROUND}`,
  'color: #fff',
  'vertical-align: middle',
  'line-height: 0',
  'cursor: pointer',
].map((declaration) => `${declaration} !important;`).join(' ');

const ICON_STYLE = 'all: initial !important; display: block !important; width: 11px !important; height: 11px !important; color: inherit !important; fill: currentColor !important;';
const FOCUS_RING = '2px solid #1d4ed8';
const HOVER_BACKGROUND = '#166534';

/** Is `node` a call button made by this content script? */
export function isCallButton(node: Node): node is HTMLButtonElement {
  return callButtons.has(node);
}

/**
 * A round phone button for `target`. Only a trusted click (the agent's mouse, or Enter/Space
 * on the focused button, which browsers turn into a trusted click) calls `onActivate`: a page
 * script's `click()` or `dispatchEvent` must never place a call.
 */
export function createCallButton(doc: Document, target: PhoneTarget, onActivate: OnActivate): HTMLButtonElement {
  const button = doc.createElement('button');
  button.type = 'button';
  button.dataset.pcCall = target.e164;
  if (target.extension) button.dataset.pcExt = target.extension;
  const shown = target.text.trim() || target.e164;
  button.setAttribute('aria-label', `Call ${shown}`);
  button.title = `Call ${target.e164}${target.extension ? ` ext. ${target.extension}` : ''}`;
  button.setAttribute('style', BUTTON_STYLE);
  button.append(createIcon(doc));

  let lastCall = -Infinity;
  button.addEventListener('click', (event) => {
    if (!event.isTrusted) return;
    // The CRM row around us must not open the record (Vtiger's row click) or follow a link.
    event.preventDefault();
    event.stopPropagation();
    if (event.timeStamp - lastCall < REPEAT_GUARD_MS) return;
    lastCall = event.timeStamp;
    safely(() => void Promise.resolve(onActivate(target.e164, target.extension)).catch(reportOnce));
  });
  // Grids that act on mousedown or keydown (row selection, Enter opens the record) must not
  // see the events that belong to our button; a cancelled Enter keydown would also swallow
  // the click the browser synthesises from it.
  for (const type of ['mousedown', 'mouseup', 'pointerdown', 'pointerup', 'dblclick', 'keydown', 'keyup', 'keypress']) {
    button.addEventListener(type, (event) => {
      const key = (event as KeyboardEvent).key;
      if (!type.startsWith('key') || key === 'Enter' || key === ' ') event.stopPropagation();
    });
  }
  button.addEventListener('focus', () => safely(() => showFocusRing(button, isFocusVisible(button))));
  button.addEventListener('blur', () => showFocusRing(button, false));
  button.addEventListener('pointerenter', () => button.style.setProperty('background', HOVER_BACKGROUND, 'important'));
  button.addEventListener('pointerleave', () => button.style.setProperty('background', BACKGROUND, 'important'));
  callButtons.add(button);
  return button;
}

function createIcon(doc: Document): SVGSVGElement {
  const svg = doc.createElementNS(SVG_NS, 'svg');
  svg.setAttribute('viewBox', '0 0 16 16');
  svg.setAttribute('aria-hidden', 'true');
  svg.setAttribute('focusable', 'false');
  svg.setAttribute('style', ICON_STYLE);
  const path = doc.createElementNS(SVG_NS, 'path');
  path.setAttribute('d', HANDSET);
  svg.append(path);
  return svg;
}

/** `all: initial` removed the browser's focus ring; draw ours for keyboard focus. */
function showFocusRing(button: HTMLButtonElement, visible: boolean): void {
  button.style.setProperty('outline', visible ? FOCUS_RING : 'none', 'important');
  button.style.setProperty('outline-offset', '2px', 'important');
}

function isFocusVisible(button: HTMLButtonElement): boolean {
  try {
    return button.matches(':focus-visible');
  } catch {
    return true; // engines without :focus-visible: a ring on every focus beats none
  }
}
