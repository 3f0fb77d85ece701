// The search starts when a reader first reaches for it, not when a page loads.
//
// Material for MkDocs and Zensical both start their search as the page loads:
// they create a worker (assets/javascripts/workers/search.*.min.js) and
// download the index of the whole site (search/search_index.json, or
// search.json: about 470 kB, the heaviest file of every page). This script
// runs before the theme's bundle (docs/overrides/main.html) and holds both
// back until the reader focuses the search box (a click on it or on the
// search icon, or the keys the theme binds to it: s, f, /), or until a page
// opened from a search result (?h=term) needs them to highlight the term.
// Until then the worker is a stand-in that queues what the theme sends it.
(() => {
  const INDEX = /\/search(\/search_index)?\.json$/;
  const WORKER = /\/workers\/search\.[0-9a-f]+\.min\.js$/;
  const waiting = [];
  let wanted = false;

  function start() {
    if (wanted) return;
    wanted = true;
    for (const run of waiting.splice(0)) run();
  }
  const later = (run) => (wanted ? run() : waiting.push(run));
  const path = (url) => new URL(url, location.href).pathname;

  const { open, send } = XMLHttpRequest.prototype;
  XMLHttpRequest.prototype.open = function (method, url, ...rest) {
    this.labbookSearchIndex = INDEX.test(path(url));
    return open.call(this, method, url, ...rest);
  };
  XMLHttpRequest.prototype.send = function (...body) {
    if (!this.labbookSearchIndex) return send.apply(this, body);
    later(() => send.apply(this, body));
  };

  const RealWorker = window.Worker;
  class SearchWorker {
    constructor(url, options) {
      this.onmessage = this.onerror = this.onmessageerror = null;
      this.listeners = { message: [], error: [], messageerror: [] };
      this.queue = [];
      this.worker = null;
      later(() => {
        if (this.terminated) return;
        const worker = (this.worker = new RealWorker(url, options));
        for (const type of Object.keys(this.listeners))
          worker.addEventListener(type, (event) => this.dispatch(type, event));
        for (const args of this.queue.splice(0)) worker.postMessage(...args);
      });
    }
    dispatch(type, event) {
      if (typeof this[`on${type}`] === "function") this[`on${type}`](event);
      for (const listener of [...this.listeners[type]])
        typeof listener === "function" ? listener.call(this, event) : listener.handleEvent(event);
    }
    addEventListener(type, listener) {
      if (type in this.listeners && !this.listeners[type].includes(listener)) this.listeners[type].push(listener);
    }
    removeEventListener(type, listener) {
      if (type in this.listeners) this.listeners[type] = this.listeners[type].filter((l) => l !== listener);
    }
    postMessage(...args) {
      this.worker ? this.worker.postMessage(...args) : this.queue.push(args);
    }
    terminate() {
      this.terminated = true;
      if (this.worker) this.worker.terminate();
    }
  }
  window.Worker = function Worker(url, options) {
    if (!new.target) throw new TypeError("Worker must be called with new");
    return WORKER.test(path(url)) ? new SearchWorker(url, options) : new RealWorker(url, options);
  };

  // A search box is focused (also when the theme focuses it for a shortcut key);
  // Zensical's search button opens a dialog whose box lives in a shadow root.
  document.addEventListener("focusin", (event) => {
    const target = event.composedPath()[0];
    if (target.matches?.("input[type=search], input[name=query], input[role=combobox], [data-md-component=search-query]"))
      start();
  }, true);
  document.addEventListener("click", (event) => {
    if (event.composedPath().some((e) => e.matches?.(".md-search, .md-search__button, label[for=__search]"))) start();
  }, true);
  document.addEventListener("keydown", (event) => {
    if (["s", "f", "/"].includes(event.key) && !event.target.matches?.("input, textarea, [contenteditable]")) start();
  }, true);
  if (new URLSearchParams(location.search).has("h")) start();
})();
