/**
 * Light/dark theme. Rules: "auto" follows prefers-color-scheme (CSS media query); a choice
 * is stored in localStorage under THEME_KEY and applied as `data-theme` on <html>, which the
 * stylesheet reads. Storage failures (private mode) only lose persistence.
 */
export type ThemeChoice = 'auto' | 'light' | 'dark';
export const THEME_KEY = 'homesec.theme';

export function storedTheme(): ThemeChoice {
  try {
    const v = window.localStorage.getItem(THEME_KEY);
    return v === 'light' || v === 'dark' ? v : 'auto';
  } catch {
    return 'auto';
  }
}

export function applyTheme(t: ThemeChoice): void {
  const root = document.documentElement;
  if (t === 'auto') root.removeAttribute('data-theme');
  else root.setAttribute('data-theme', t);
  try {
    if (t === 'auto') window.localStorage.removeItem(THEME_KEY);
    else window.localStorage.setItem(THEME_KEY, t);
  } catch {
    /* not persisted */
  }
  window.dispatchEvent(new Event('homesec-theme'));
}

/** The theme in effect (resolving "auto"). */
export function effectiveTheme(): 'light' | 'dark' {
  const t = document.documentElement.getAttribute('data-theme');
  if (t === 'light' || t === 'dark') return t;
  return window.matchMedia?.('(prefers-color-scheme: dark)').matches ? 'dark' : 'light';
}

export function nextTheme(t: ThemeChoice): ThemeChoice {
  return t === 'auto' ? 'light' : t === 'light' ? 'dark' : 'auto';
}
