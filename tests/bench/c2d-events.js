// The part of Node's `events` ringcentral-c2d uses (its Emitter), for bundling it into the
// benchmark page: its npm build expects a bundler that polyfills Node's modules.
export class EventEmitter {
  #listeners = new Map();
  addListener(name, listener) {
    this.#listeners.set(name, [...(this.#listeners.get(name) ?? []), listener]);
  }
  removeListener(name, listener) {
    this.#listeners.set(name, (this.#listeners.get(name) ?? []).filter((l) => l !== listener));
  }
  removeAllListeners() {
    this.#listeners.clear();
  }
  emit(name, ...args) {
    for (const listener of this.#listeners.get(name) ?? []) listener(...args);
  }
}
