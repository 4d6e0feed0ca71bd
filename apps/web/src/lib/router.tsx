import type { ComponentChildren, JSX } from 'preact';
import { createStore, useStore } from './store';

/**
 * Client-side routes on real paths (the gateway answers index.html for unknown paths, so deep
 * links and reloads work).
 */
export const location = createStore(window.location.pathname + window.location.search);

export function navigate(to: string, opts: { replace?: boolean } = {}) {
  if (to === location.get()) return;
  if (opts.replace) history.replaceState(null, '', to);
  else history.pushState(null, '', to);
  location.set(to);
  // A new page starts at the top, like a page load would.
  window.scrollTo(0, 0);
}

window.addEventListener('popstate', () => location.set(window.location.pathname + window.location.search));

export function usePath(): { path: string; params: URLSearchParams } {
  const full = useStore(location);
  const [path = '/', search = ''] = full.split('?');
  return { path, params: new URLSearchParams(search) };
}

/** Matches `/admin/quests/:key/edit` style patterns; returns the decoded params or null. */
export function match(pattern: string, path: string): Record<string, string> | null {
  const p = pattern.split('/');
  const s = path.replace(/\/+$/, '').split('/');
  if (p.length !== s.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < p.length; i++) {
    const want = p[i] ?? '';
    const got = s[i] ?? '';
    if (want.startsWith(':')) {
      if (!got) return null;
      params[want.slice(1)] = decodeURIComponent(got);
    } else if (want !== got) return null;
  }
  return params;
}

type LinkProps = Omit<JSX.HTMLAttributes<HTMLAnchorElement>, 'href'> & { href: string; children: ComponentChildren };

export function Link({ href, children, ...rest }: LinkProps) {
  const current = usePath().path === href.split('?')[0];
  return (
    <a
      {...rest}
      href={href}
      aria-current={current ? 'page' : undefined}
      onClick={(e) => {
        // Let the browser handle new-tab clicks.
        if (e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
        e.preventDefault();
        navigate(href);
      }}
    >
      {children}
    </a>
  );
}
