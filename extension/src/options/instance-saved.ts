import type { InstanceView } from '@phone-connector/shared';

const EVENT = 'pc-instance-saved';

/**
 * The options page's sections each save the same instance at the relay (provider, CRM, opening
 * hours): one saved tells the others what the relay now has, so that what they show of it (the
 * opening hours' "callers go to voicemail", which the provider's tick box decides) follows
 * without a read of their own.
 */
export function announceInstanceSaved(instance: InstanceView): void {
  window.dispatchEvent(new CustomEvent<InstanceView>(EVENT, { detail: instance }));
}

/** Calls `listener` with each instance saved on this page; returns the way to stop. */
export function onInstanceSaved(listener: (instance: InstanceView) => void): () => void {
  const handle = (event: Event) => listener((event as CustomEvent<InstanceView>).detail);
  window.addEventListener(EVENT, handle);
  return () => window.removeEventListener(EVENT, handle);
}
