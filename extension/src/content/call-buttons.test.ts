// @vitest-environment happy-dom
import { afterEach, describe, expect, it, vi } from 'vitest';
import { adoptCallButtonStyle } from './call-button-style.ts';
import { createCallButton, isCallButton, listenToCallButtons, type OnActivate, retargetCallButton } from './call-buttons.ts';

/**
 * happy-dom has no trusted events; a browser sets `isTrusted` only for input from the user
 * (mouse, or Enter/Space on a focused button). Forcing it here exercises the same listener;
 * the end-to-end suite clicks for real in Chromium.
 */
function userClick(target: EventTarget): MouseEvent {
  // Composed, as the browser's own clicks: they reach the document from open shadow roots.
  const event = new MouseEvent('click', { bubbles: true, cancelable: true, composed: true });
  Object.defineProperty(event, 'isTrusted', { value: true });
  target.dispatchEvent(event);
  return event;
}

const listening: AbortController[] = [];

/** The document's listeners for every call button, as the scanner starts them. */
function listen(onActivate: OnActivate): void {
  const controller = new AbortController();
  listening.push(controller);
  listenToCallButtons(document, onActivate, controller.signal);
}

function mount(extension?: string) {
  const onActivate = vi.fn();
  listen(onActivate);
  const row = document.createElement('div');
  const rowClicks = vi.fn();
  row.addEventListener('click', rowClicks);
  const target = { text: ' (415) 555-0100 ext. 12 ', e164: '+14155550100', ...(extension ? { extension } : {}) };
  const button = createCallButton(document, target);
  row.append(button);
  document.body.append(row);
  return { button, onActivate, rowClicks };
}

afterEach(() => {
  for (const controller of listening.splice(0)) controller.abort();
  document.body.replaceChildren();
  vi.restoreAllMocks();
});

describe('createCallButton', () => {
  it('is a real, labelled button carrying the number', () => {
    const { button } = mount('12');
    expect(button.localName).toBe('button');
    expect(button.type).toBe('button');
    expect(button.dataset.pcCall).toBe('+14155550100');
    expect(button.dataset.pcExt).toBe('12');
    expect(button.getAttribute('aria-label')).toBe('Call (415) 555-0100 ext. 12');
    expect(button.title).toBe('Call +14155550100 ext. 12');
    // One element: the handset is the stylesheet's (call-button-style.ts), nothing for a screen reader to skip.
    expect(button.childElementCount).toBe(0);
    expect(button.tabIndex).toBe(0);
    expect(isCallButton(button)).toBe(true);
    expect(isCallButton(document.createElement('button'))).toBe(false);
  });

  it('has no data-pc-ext without an extension', () => {
    expect(mount().button.hasAttribute('data-pc-ext')).toBe(false);
  });

  it('is styled by one adopted stylesheet that page CSS cannot outweigh', () => {
    const theme = document.createElement('style');
    theme.textContent = 'button { background: red !important; } div:not(.grid) button { display: none !important; width: 60px !important; }';
    document.head.append(theme);
    const { button } = mount();
    adoptCallButtonStyle(document);
    expect(button.hasAttribute('style')).toBe(false);
    const style = getComputedStyle(button);
    expect(style.display).toBe('inline-flex');
    expect(style.width).toBe('18px');
    expect(style.backgroundColor).toMatch(/^(#15803d|rgb\(21, 128, 61\))$/);
    expect(style.borderRadius).toBe('50%');
    expect(style.cursor).toBe('pointer');
    theme.remove();
  });

  it('adopts its stylesheet once per root, and again after the page replaced the root\'s sheets', () => {
    const host = document.createElement('div');
    document.body.append(host);
    const shadowRoot = host.attachShadow({ mode: 'open' });
    adoptCallButtonStyle(shadowRoot);
    adoptCallButtonStyle(shadowRoot);
    expect(shadowRoot.adoptedStyleSheets).toHaveLength(1);
    const [sheet] = shadowRoot.adoptedStyleSheets;
    shadowRoot.adoptedStyleSheets = [];
    adoptCallButtonStyle(shadowRoot);
    expect(shadowRoot.adoptedStyleSheets).toEqual([sheet]);
  });

  it('calls on a trusted click, and keeps the click from the CRM row', () => {
    const { button, onActivate, rowClicks } = mount('12');
    const event = userClick(button);
    expect(onActivate).toHaveBeenCalledExactlyOnceWith('+14155550100', '12');
    expect(event.defaultPrevented).toBe(true);
    expect(rowClicks).not.toHaveBeenCalled();
  });

  it('ignores clicks made by page scripts', () => {
    const { button, onActivate } = mount();
    button.click();
    button.dispatchEvent(new MouseEvent('click', { bubbles: true, cancelable: true }));
    button.dispatchEvent(new PointerEvent('click', { bubbles: true }));
    expect(onActivate).not.toHaveBeenCalled();
  });

  it('places one call for a double click', () => {
    const { button, onActivate } = mount();
    userClick(button);
    userClick(button);
    expect(onActivate).toHaveBeenCalledOnce();
  });

  it('keeps Enter and Space from the page, so its grid cannot cancel the activation', () => {
    const { button } = mount();
    const pageKeys = vi.fn();
    document.body.addEventListener('keydown', pageKeys);
    document.body.addEventListener('keyup', pageKeys);
    button.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', bubbles: true }));
    button.dispatchEvent(new KeyboardEvent('keyup', { key: ' ', bubbles: true }));
    expect(pageKeys).not.toHaveBeenCalled();
    button.dispatchEvent(new KeyboardEvent('keydown', { key: 'Tab', bubbles: true }));
    expect(pageKeys).toHaveBeenCalledOnce();
  });

  it('keeps mousedown from the row, which some grids act on', () => {
    const { button } = mount();
    const pageMouse = vi.fn();
    document.body.addEventListener('mousedown', pageMouse);
    button.dispatchEvent(new MouseEvent('mousedown', { bubbles: true }));
    expect(pageMouse).not.toHaveBeenCalled();
  });

  it('calls the number it was made for, whatever the page writes into data-pc-call', () => {
    const { button, onActivate } = mount();
    button.dataset.pcCall = '+19005550199';
    userClick(button);
    expect(onActivate).toHaveBeenCalledExactlyOnceWith('+14155550100', undefined);
  });

  it('handles the buttons inside open shadow roots with the same listeners', () => {
    const onActivate = vi.fn();
    listen(onActivate);
    const host = document.createElement('div');
    document.body.append(host);
    const button = createCallButton(document, { text: '415 555 0102', e164: '+14155550102' });
    host.attachShadow({ mode: 'open' }).append(button);
    userClick(button);
    expect(onActivate).toHaveBeenCalledExactlyOnceWith('+14155550102', undefined);
  });

  it('stops listening when its signal is aborted', () => {
    const { button, onActivate } = mount();
    for (const controller of listening.splice(0)) controller.abort();
    userClick(button);
    expect(onActivate).not.toHaveBeenCalled();
  });

  it('never lets an error of the call handler reach the page', async () => {
    const debug = vi.spyOn(console, 'debug').mockImplementation(() => undefined);
    const pageErrors = vi.fn();
    window.addEventListener('error', pageErrors);
    listen((e164) => {
      if (e164 === '+14155550100') throw new Error('background gone');
      return Promise.reject(new Error('no answer')) as unknown as void;
    });
    const throwing = createCallButton(document, { text: '415 555 0100', e164: '+14155550100' });
    const rejecting = createCallButton(document, { text: '415 555 0101', e164: '+14155550101' });
    document.body.append(throwing, rejecting);
    expect(() => userClick(throwing)).not.toThrow();
    userClick(rejecting);
    await Promise.resolve();
    expect(pageErrors).not.toHaveBeenCalled();
    window.removeEventListener('error', pageErrors);
    expect(debug.mock.calls.length).toBeLessThanOrEqual(1);
  });
});

describe('retargetCallButton', () => {
  /** The attribute writes on `button` while `change` runs. */
  function writes(button: HTMLButtonElement, change: () => void): string[] {
    const observer = new MutationObserver(() => undefined);
    observer.observe(button, { attributes: true });
    change();
    const names = observer.takeRecords().map((record) => record.attributeName ?? '');
    observer.disconnect();
    return names;
  }

  it('writes only what differs from the target the button had, reading none of its attributes back', () => {
    const button = createCallButton(document, { text: '(415) 555-0100', e164: '+14155550100' });
    document.body.append(button);
    const reads = vi.spyOn(button, 'getAttribute');
    // The same number, shown the same way: nothing to write.
    expect(writes(button, () => retargetCallButton(button, { text: '(415) 555-0100', e164: '+14155550100' }))).toEqual([]);
    // Shown another way: the label alone.
    expect(writes(button, () => retargetCallButton(button, { text: '415.555.0100', e164: '+14155550100' }))).toEqual(['aria-label']);
    expect(reads).not.toHaveBeenCalled();
    // Another number with an extension: all of it.
    expect((writes(button, () => retargetCallButton(button, { text: '(212) 555-0199 x7', e164: '+12125550199', extension: '7' }))).sort()).toEqual(['aria-label', 'data-pc-call', 'data-pc-ext', 'title']);
    expect(button.dataset).toMatchObject({ pcCall: '+12125550199', pcExt: '7' });
    expect(button.getAttribute('aria-label')).toBe('Call (212) 555-0199 x7');
    expect(button.title).toBe('Call +12125550199 ext. 7');
  });

  it('calls the number it was handed, whatever the page wrote into data-pc-call', () => {
    const onActivate = vi.fn();
    listen(onActivate);
    const button = createCallButton(document, { text: '(415) 555-0100', e164: '+14155550100' });
    document.body.append(button);
    button.dataset.pcCall = '+19005550000';
    retargetCallButton(button, { text: '(415) 555-0100', e164: '+14155550100' });
    userClick(button);
    expect(onActivate).toHaveBeenCalledWith('+14155550100', undefined);
  });
});
