// The one place that knows which views show data a run can change. Each view
// registers its loader once; a finished run, a reconnected event stream and the
// first load all call `refreshIndexViews()`, so no list of loaders is kept by hand.

const loaders = new Map(); // name -> () => Promise

export function registerLoader(name, load) {
  loaders.set(name, load);
}

/** Fetches again everything a run may have changed (each view decides how quietly). */
export function refreshIndexViews() {
  return Promise.allSettled([...loaders.values()].map((load) => Promise.resolve().then(load)));
}

let timer = null;
/** The same, debounced: runs can finish in quick succession while files are saved. */
export function scheduleRefresh(delayMs = 250) {
  clearTimeout(timer);
  timer = setTimeout(refreshIndexViews, delayMs);
}
