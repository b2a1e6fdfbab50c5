import { act } from 'preact/test-utils';

/** A click as the browser makes one for the agent (happy-dom has no trusted events: `isTrusted` forced), rendered. */
export function userClick(target: HTMLElement): void {
  act(() => {
    const event = new MouseEvent('click', { bubbles: true, cancelable: true, composed: true });
    Object.defineProperty(event, 'isTrusted', { value: true });
    target.dispatchEvent(event);
  });
}
