/**
 * The operator console: a hash-routed Preact app over the HTTP API. Each screen is a view module; the
 * shell signs the user in, loads the sites once and shows only the screens the user's roles may use
 * (the API enforces the same roles on every call).
 */
import 'uplot/dist/uPlot.min.css';
import './app.css';
import { html } from 'htm/preact';
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { Api, loadSession, type Session, saveSession } from './api.ts';
import { exchangeLocalCode, finishCognitoSignIn, startCognitoSignIn } from './auth.ts';
import type { ConsoleConfig } from './config.ts';
import type { Site } from './types.ts';
import { asApiError, ErrorBox, useLoad } from './ui.ts';
import { AuditView } from './views/audit.ts';
import { BidsView } from './views/bids.ts';
import { EmissionsView } from './views/emissions.ts';
import { FleetView } from './views/fleet.ts';
import { OverridesView } from './views/overrides.ts';
import { PnlView } from './views/pnl.ts';
import { RunsView } from './views/runs.ts';
import { TimelineView } from './views/timeline.ts';

export interface ViewProps {
  api: Api;
  session: Session;
  sites: Site[];
  query: URLSearchParams;
  /** The route's path after its name (`/site/rockdale` → ['rockdale']). */
  args: string[];
  can: (role: string) => boolean;
}

interface Screen {
  name: string;
  title: string;
  roles: string[] | 'all';
  view: (p: ViewProps) => unknown;
  /** Shown in the navigation. */
  nav: boolean;
}

const SCREENS: Screen[] = [
  { name: 'fleet', title: 'Fleet now', roles: 'all', view: FleetView, nav: true },
  { name: 'site', title: 'Site timeline', roles: 'all', view: TimelineView, nav: true },
  { name: 'overrides', title: 'Overrides', roles: 'all', view: OverridesView, nav: true },
  { name: 'pnl', title: 'P&L and exports', roles: ['finance'], view: PnlView, nav: true },
  { name: 'emissions', title: 'Emissions', roles: ['finance', 'trader', 'admin'], view: EmissionsView, nav: true },
  { name: 'audit', title: 'Audit trail', roles: ['finance', 'admin'], view: AuditView, nav: true },
  { name: 'bids', title: 'Bids', roles: ['trader', 'finance'], view: BidsView, nav: true },
  { name: 'runs', title: 'Runs and health', roles: ['operator', 'admin'], view: RunsView, nav: true },
];

function parseHash(): { name: string; args: string[]; query: URLSearchParams } {
  const raw = location.hash.replace(/^#\/?/, '');
  const [path = '', q = ''] = raw.split('?');
  const [name = '', ...args] = path.split('/').filter(Boolean).map(decodeURIComponent);
  return { name: name || 'fleet', args, query: new URLSearchParams(q) };
}

function useHash() {
  const [route, setRoute] = useState(parseHash);
  useEffect(() => {
    const on = () => setRoute(parseHash());
    addEventListener('hashchange', on);
    return () => removeEventListener('hashchange', on);
  }, []);
  return route;
}

function SignIn({ config, onSignedIn }: { config: ConsoleConfig; onSignedIn: (s: Session) => void }) {
  const route = useHash();
  const code = route.name === 'signin' ? route.query.get('code') : null;
  const [error, setError] = useState<ReturnType<typeof asApiError>>();
  useEffect(() => {
    if (!code) return;
    exchangeLocalCode(config, code).then(
      (s) => {
        history.replaceState(null, '', '#/fleet');
        onSignedIn(s);
      },
      (err: unknown) => setError(asApiError(err)),
    );
  }, [code]);
  return html`<main class="signin">
    <h1>Switchyard console</h1>
    ${code && !error && html`<p>Signing in…</p>`}
    <${ErrorBox} error=${error} />
    ${
      config.auth.kind === 'cognito'
        ? html`<button class="primary" onClick=${() => startCognitoSignIn(config)}>Sign in</button>`
        : !code &&
          html`<p>Open the console link that <code>npm start</code> printed (the line starting <code>console</code>): it signs you in once,
            with no password typed here. Restart switchyard for a new link.</p>`
    }
  </main>`;
}

function Shell({ api, session, onSignOut }: { api: Api; session: Session; onSignOut: () => void }) {
  const route = useHash();
  const sites = useLoad(() => api.get<{ items: Site[] }>('/sites').then((r) => r.items), []);
  const can = (role: string) => session.roles.includes(role);
  const allowed = (s: Screen) => s.roles === 'all' || s.roles.some(can);
  const screen = SCREENS.find((s) => s.name === route.name && allowed(s));
  useEffect(() => {
    document.title = `${screen?.title ?? 'Not found'} · Switchyard`;
  }, [screen]);
  return html`<div class="shell">
    <header>
      <a class="brand" href="#/fleet">Switchyard</a>
      <nav aria-label="Screens">
        ${SCREENS.filter((s) => s.nav && allowed(s)).map(
          (s) => html`<a href=${`#/${s.name}`} aria-current=${s === screen ? 'page' : undefined}>${s.title}</a>`,
        )}
        <a href="/docs">API docs</a>
      </nav>
      <span class="who" title=${`token valid until ${session.expiresAt}`}>${session.user} · ${session.roles.join(', ')}</span>
      <button class="link" onClick=${onSignOut}>Sign out</button>
    </header>
    <main>
      <${ErrorBox} error=${sites.error} />
      ${
        !screen
          ? html`<p>No such screen for your roles. <a href="#/fleet">Fleet now</a></p>`
          : sites.data &&
            html`<${screen.view} key=${`${screen.name}/${route.args.join('/')}`} api=${api} session=${session} sites=${sites.data} query=${route.query}
              args=${route.args} can=${can} />`
      }
    </main>
  </div>`;
}

function App({ config }: { config: ConsoleConfig }) {
  const [session, setSession] = useState<Session | null>(loadSession);
  const [error, setError] = useState<ReturnType<typeof asApiError>>();
  useEffect(() => {
    finishCognitoSignIn(config).then(
      (s) => s && signIn(s),
      (err: unknown) => setError(asApiError(err)),
    );
  }, []);
  const signIn = (s: Session) => {
    saveSession(s);
    setSession(s);
  };
  const signOut = () => {
    saveSession(null);
    setSession(null);
  };
  const [api] = useState(() => new Api(config, () => loadSession(), signOut));
  if (!session || parseHash().name === 'signin') {
    return html`<${ErrorBox} error=${error} /><${SignIn} config=${config} onSignedIn=${signIn} />`;
  }
  return html`<${Shell} api=${api} session=${session} onSignOut=${signOut} />`;
}

const config = (await (await fetch('/config.json')).json()) as ConsoleConfig;
const root = document.getElementById('app')!;
// The page's "Loading…" placeholder goes; the app owns the element from here.
root.replaceChildren();
render(html`<${App} config=${config} />`, root);
