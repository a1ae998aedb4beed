import { type ComponentChild, render } from 'preact';
import { useEffect, useMemo, useState } from 'preact/hooks';
import { type Capabilities, createApiClient, loadCapabilities } from './api';
import { beginSignIn, restoreSession, type Session, signOut } from './auth';
import { type ConsoleConfig, loadConfig } from './config';
import { ROLE_NAMES } from './format';
import { PAGES } from './pages/registry';
import './styles.css';
import { ErrorNotice, type PageContext } from './ui';

/** Hash routes (`#/usage?from=…`): a static site on S3/CloudFront needs no rewrite rules for them. */
function parseHash(): { route: string; query: URLSearchParams } {
  const raw = location.hash.replace(/^#\/?/, '');
  const [route = '', search = ''] = raw.split('?');
  return { route: route || 'overview', query: new URLSearchParams(search) };
}

function useHashRoute() {
  const [state, setState] = useState(parseHash);
  useEffect(() => {
    const onChange = () => setState(parseHash());
    addEventListener('hashchange', onChange);
    return () => removeEventListener('hashchange', onChange);
  }, []);
  return state;
}

function App({ config, session, caps }: { config: ConsoleConfig; session: Session; caps: Capabilities }) {
  const api = useMemo(() => createApiClient(config.apiUrl, session), [config.apiUrl, session.token]);
  const { route, query } = useHashRoute();
  const pages = PAGES.filter((p) => caps.can(p.operation));
  const page = pages.find((p) => p.route === route) ?? pages[0];
  useEffect(() => {
    document.title = page ? `${page.title} · Billing console` : 'Billing console';
    document.getElementById('main')?.focus();
  }, [page?.route]);
  const ctx: PageContext = {
    api,
    caps,
    session,
    config,
    query,
    setQuery: (next) => {
      location.hash = `#/${page?.route ?? ''}?${new URLSearchParams(next).toString()}`;
    },
  };
  const Page = page?.component;
  return (
    <>
      {/* A button, not a #main link: the hash is the router's. */}
      <button type="button" class="skip" onClick={() => document.getElementById('main')?.focus()}>
        Skip to content
      </button>
      <header class="top">
        <div class="brand">Billing console</div>
        <div class="who" data-testid="who">
          <span>{session.orgId}</span> · <span data-testid="role">{ROLE_NAMES[session.role] ?? session.role}</span>
          {session.subject ? <span class="muted"> · {session.subject}</span> : null}
          <button type="button" class="link" onClick={() => signOut(config)}>
            Sign out
          </button>
        </div>
      </header>
      <nav aria-label="Billing sections">
        <ul>
          {pages.map((p) => (
            <li key={p.route}>
              <a href={`#/${p.route}`} aria-current={p === page ? 'page' : undefined}>
                {p.title}
              </a>
            </li>
          ))}
        </ul>
      </nav>
      <main id="main" tabIndex={-1}>
        <h1>{page?.title ?? 'Nothing to show'}</h1>
        {Page ? <Page key={`${page.route}`} {...ctx} /> : <p>This role has no billing pages.</p>}
      </main>
    </>
  );
}

function SignIn({ config, error }: { config: ConsoleConfig; error?: unknown }) {
  return (
    <main id="main" class="signin">
      <h1>Billing console</h1>
      {error ? <ErrorNotice error={error} title="Sign-in failed" /> : null}
      {config.auth.mode === 'oidc' ? (
        <button type="button" class="primary" onClick={() => config.auth.mode === 'oidc' && beginSignIn(config.auth)}>
          Sign in
        </button>
      ) : (
        <p>
          Open the console with the link <code>npm start</code> prints (it carries a dev token for the demo org), or
          append <code>#token=&lt;a token from npm run token&gt;</code> to this address.
        </p>
      )}
    </main>
  );
}

async function start() {
  const root = document.getElementById('app')!;
  // The static shell's loading line goes before the first render (render diffs into, not over, it).
  const show = (node: ComponentChild) => {
    root.textContent = '';
    render(node, root);
  };
  let config: ConsoleConfig;
  try {
    config = await loadConfig();
  } catch (error) {
    show(<ErrorNotice error={error} title="The console has no configuration" />);
    return;
  }
  let session: Session | undefined;
  try {
    session = await restoreSession(config);
  } catch (error) {
    show(<SignIn config={config} error={error} />);
    return;
  }
  if (!session) {
    show(<SignIn config={config} />);
    return;
  }
  try {
    const caps = await loadCapabilities(config.apiUrl, session.role);
    show(<App config={config} session={session} caps={caps} />);
  } catch (error) {
    show(<ErrorNotice error={error} title="The API could not be reached" />);
  }
}

void start();
