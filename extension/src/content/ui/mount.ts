import { type ComponentChild, render } from 'preact';
import { PANEL_CSS } from './styles.ts';

const STACK_ID = 'pc-ui-stack';

/**
 * Our cards live in a fixed stack at the page's corner; each card is its own host element
 * with a shadow root, so the CRM's styles and scripts cannot restyle or reach into it.
 */
export function mountCard(doc: Document, attributes: Record<string, string>, content: ComponentChild): { host: HTMLElement; update(content: ComponentChild): void; remove(): void } {
  let stack = doc.getElementById(STACK_ID);
  if (!stack) {
    stack = doc.createElement('div');
    stack.id = STACK_ID;
    // Marks our own UI: the scanner never puts call buttons inside it.
    stack.setAttribute('data-pc-ui', '');
    stack.setAttribute('style', 'all: initial; position: fixed; right: 16px; bottom: 16px; z-index: 2147483646; display: flex; flex-direction: column; gap: 8px;');
    doc.documentElement.appendChild(stack);
  }
  const host = doc.createElement('div');
  for (const [name, value] of Object.entries(attributes)) host.setAttribute(name, value);
  host.setAttribute('style', 'all: initial; display: block;');
  const shadow = host.attachShadow({ mode: 'open' });
  const style = doc.createElement('style');
  style.textContent = PANEL_CSS;
  shadow.appendChild(style);
  const mountPoint = doc.createElement('div');
  shadow.appendChild(mountPoint);
  stack.appendChild(host);
  render(content, mountPoint);
  return {
    host,
    update: (next) => render(next, mountPoint),
    remove: () => {
      render(null, mountPoint);
      host.remove();
      if (stack && !stack.childElementCount) stack.remove();
    },
  };
}
