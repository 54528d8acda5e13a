/**
 * The application shell: session check → login or the dashboard (navigation, live status,
 * theme toggle, logout, the demo-data banner, the routed view). Rules:
 * - Any 401 from the API returns to the login form (the session ended).
 * - The live hub (SSE with polling fallback) runs only while logged in.
 * - Views are chosen by the URL hash; the focused element moves to the main heading region
 *   on navigation so keyboard and screen-reader users land on the new view.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { logout, onUnauthorised, session } from './api/client';
import { createLiveHub, type LiveHub, type LiveMode } from './api/live';
import type { OverviewResponse, SessionResponse } from './api/types';
import { setLiveHub, useApi } from './api/use-api';
import { applyTheme, nextTheme, storedTheme, type ThemeChoice } from './lib/theme';
import { href, useRoute, type ViewName } from './lib/route';
import { LoginView } from './views/login';
import { OverviewView } from './views/overview';
import { NetworkMapView } from './views/network-map';
import { HostsView } from './views/hosts';
import { FindingsView } from './views/findings';
import { ExternalIpsView } from './views/external-ips';
import { VulnerabilitiesView } from './views/vulnerabilities';
import { RecommendationsView } from './views/recommendations';
import { BlockingView } from './views/blocking';

const NAV: { view: ViewName; label: string }[] = [
  { view: 'overview', label: 'Overview' },
  { view: 'map', label: 'Network Map' },
  { view: 'hosts', label: 'Hosts' },
  { view: 'findings', label: 'Findings' },
  { view: 'external', label: 'External IPs' },
  { view: 'vulnerabilities', label: 'Vulnerabilities' },
  { view: 'recommendations', label: 'Recommendations' },
  { view: 'blocking', label: 'Blocking' },
];

type Phase = { kind: 'checking' } | { kind: 'login'; reason?: string } | { kind: 'ready'; session: SessionResponse } | { kind: 'down'; error: string };

export function App() {
  const [phase, setPhase] = useState<Phase>({ kind: 'checking' });

  const check = () =>
    session().then(
      (s) => setPhase(s.authenticated ? { kind: 'ready', session: s } : { kind: 'login' }),
      (err: unknown) => setPhase({ kind: 'down', error: err instanceof Error ? err.message : String(err) }),
    );

  useEffect(() => {
    void check();
    return onUnauthorised(() => setPhase({ kind: 'login', reason: 'Your session ended. Please log in again.' }));
  }, []);

  if (phase.kind === 'checking') return <p class="boot muted">Loading homesec…</p>;
  if (phase.kind === 'down')
    return (
      <main class="boot">
        <h1>homesec</h1>
        <p role="alert">{phase.error}</p>
        <button type="button" class="btn" onClick={() => void check()}>
          Try again
        </button>
      </main>
    );
  if (phase.kind === 'login') return <LoginView reason={phase.reason} onLoggedIn={() => void check()} />;
  return <Dashboard session={phase.session} onLoggedOut={() => setPhase({ kind: 'login' })} />;
}

function Dashboard(props: { session: SessionResponse; onLoggedOut: () => void }) {
  const route = useRoute();
  const [mode, setMode] = useState<LiveMode>('connecting');
  const [theme, setTheme] = useState<ThemeChoice>(storedTheme());
  const [navOpen, setNavOpen] = useState(false);
  const hubRef = useRef<LiveHub | undefined>(undefined);
  const mainRef = useRef<HTMLElement>(null);
  const first = useRef(true);
  const overview = useApi<OverviewResponse>('api/overview', []);

  useEffect(() => {
    const hub = createLiveHub();
    hubRef.current = hub;
    setLiveHub(hub);
    const off = hub.onMode(setMode);
    hub.start();
    return () => {
      off();
      hub.stop();
      setLiveHub(undefined);
    };
  }, []);

  useEffect(() => {
    setNavOpen(false);
    if (first.current) {
      first.current = false;
      return;
    }
    mainRef.current?.focus();
  }, [route.view]);

  const cycleTheme = () => {
    const t = nextTheme(theme);
    applyTheme(t);
    setTheme(t);
  };
  const canLogout = !props.session.authDisabled && props.session.via !== 'ingress';
  const current = NAV.find((n) => n.view === route.view)?.label ?? 'Overview';

  return (
    <div class="shell">
      <a class="skip-link" href="#main" onClick={(e) => (e.preventDefault(), mainRef.current?.focus())}>
        Skip to content
      </a>
      <header class="topbar">
        <a class="brand" href={href('overview')}>
          <img src="./favicon.svg" alt="" width="24" height="24" />
          <span>homesec</span>
        </a>
        <button type="button" class="icon-btn nav-toggle" aria-expanded={navOpen} aria-controls="primary-nav" onClick={() => setNavOpen(!navOpen)}>
          ☰<span class="visually-hidden">Menu</span>
        </button>
        <nav id="primary-nav" class={navOpen ? 'nav open' : 'nav'} aria-label="Views">
          {NAV.map((n) => (
            <a key={n.view} href={href(n.view)} class={route.view === n.view ? 'nav-link active' : 'nav-link'} aria-current={route.view === n.view ? 'page' : undefined}>
              {n.label}
            </a>
          ))}
        </nav>
        <div class="topbar-tools">
          <span class={`live live-${mode}`} data-testid="live-status" title={mode === 'live' ? 'Live updates are on' : mode === 'polling' ? 'Live updates unavailable: refreshing every 30 s' : 'Connecting…'}>
            <span class="live-dot" aria-hidden="true" />
            {mode === 'live' ? 'Live' : mode === 'polling' ? 'Polling 30 s' : 'Connecting'}
          </span>
          <button type="button" class="btn btn-small btn-ghost" onClick={cycleTheme} data-testid="theme-toggle" aria-label={`Theme: ${theme}. Change theme`}>
            {theme === 'auto' ? '◐ Auto' : theme === 'light' ? '☀ Light' : '☾ Dark'}
          </button>
          {canLogout && (
            <button type="button" class="btn btn-small btn-ghost" onClick={() => void logout().finally(props.onLoggedOut)}>
              Log out
            </button>
          )}
        </div>
      </header>
      {overview.data?.demo && (
        <div class="demo-banner" role="note" data-testid="demo-banner">
          DEMO DATA — everything shown here is generated by <code>homesec demo</code>, not your network.
        </div>
      )}
      <main id="main" ref={mainRef} tabIndex={-1} aria-label={current} class="main">
        {route.view === 'overview' && <OverviewView />}
        {route.view === 'map' && <NetworkMapView />}
        {route.view === 'hosts' && <HostsView selected={route.arg} />}
        {route.view === 'findings' && <FindingsView />}
        {route.view === 'external' && <ExternalIpsView selected={route.arg} />}
        {route.view === 'vulnerabilities' && <VulnerabilitiesView selected={route.arg} />}
        {route.view === 'recommendations' && <RecommendationsView />}
        {route.view === 'blocking' && <BlockingView />}
      </main>
    </div>
  );
}
