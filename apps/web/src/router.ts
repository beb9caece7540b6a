import { useEffect, useState } from 'preact/hooks';

/** A tiny history router: the UI's pages are `/`, `/containers/<id>`, `/explore` and `/cluster`. */

export interface Location {
  path: string;
  search: URLSearchParams;
}

function current(): Location {
  return { path: location.pathname, search: new URLSearchParams(location.search) };
}

const listeners = new Set<() => void>();
window.addEventListener('popstate', () => listeners.forEach((l) => l()));

export function navigate(url: string, replace = false): void {
  if (replace) history.replaceState(null, '', url);
  else history.pushState(null, '', url);
  listeners.forEach((l) => l());
}

export function useLocation(): Location {
  const [loc, setLoc] = useState(current);
  useEffect(() => {
    const l = () => setLoc(current());
    listeners.add(l);
    return () => void listeners.delete(l);
  }, []);
  return loc;
}

/** A link that navigates without reloading (ctrl/middle click still opens a new tab). */
export function onLinkClick(e: MouseEvent): void {
  const a = (e.currentTarget ?? e.target) as HTMLAnchorElement;
  if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey) return;
  e.preventDefault();
  navigate(a.getAttribute('href') ?? '/');
}

/** Sets (or, with undefined or '', removes) parameters of the current URL, keeping the others. */
export function setSearch(changes: Record<string, string | undefined>, replace = false): void {
  const p = new URLSearchParams(location.search);
  for (const [k, v] of Object.entries(changes)) {
    if (v === undefined || v === '') p.delete(k);
    else p.set(k, v);
  }
  const q = p.toString();
  navigate(q ? `${location.pathname}?${q}` : location.pathname, replace);
}
