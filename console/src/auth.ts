import type { ConsoleConfig, OidcAuth } from './config';

/**
 * The signed-in session: a bearer JWT for the API and the claims the console needs to shape itself
 * (org, role). The claims are read, not verified: the API verifies every call, and a forged role only
 * shows buttons whose calls then answer 403.
 */
export interface Session {
  token: string;
  orgId: string;
  role: string;
  subject: string;
  expiresAt: number | undefined;
}

const STORAGE_KEY = 'billing-console.token';
const PKCE_KEY = 'billing-console.pkce';

export function decodeClaims(token: string): Record<string, unknown> {
  const part = token.split('.')[1];
  if (!part) throw new Error('not a JWT');
  const json = atob(
    part
      .replace(/-/g, '+')
      .replace(/_/g, '/')
      .padEnd(Math.ceil(part.length / 4) * 4, '='),
  );
  return JSON.parse(json) as Record<string, unknown>;
}

export function sessionFrom(token: string): Session {
  const claims = decodeClaims(token);
  const orgId = claims.org_id;
  const role = claims.role;
  if (typeof orgId !== 'string' || typeof role !== 'string') throw new Error('the token carries no org_id and role');
  return {
    token,
    orgId,
    role,
    subject: String(claims.email ?? claims.sub ?? ''),
    expiresAt: typeof claims.exp === 'number' ? claims.exp * 1000 : undefined,
  };
}

/**
 * Finds the session: a `#token=…` fragment (the link `npm start` prints; the fragment never reaches a
 * server or its logs) wins and is moved to sessionStorage, then removed from the address bar; an OIDC
 * redirect (`?code=…`) is exchanged; otherwise the token kept for this tab.
 */
export async function restoreSession(config: ConsoleConfig): Promise<Session | undefined> {
  const fragment = new URLSearchParams(location.hash.replace(/^#\/?/, ''));
  const fromLink = fragment.get('token');
  if (fromLink) {
    sessionStorage.setItem(STORAGE_KEY, fromLink);
    history.replaceState(null, '', `${location.pathname}${location.search}#/overview`);
  }
  if (config.auth.mode === 'oidc') {
    const query = new URLSearchParams(location.search);
    const code = query.get('code');
    if (code) {
      const token = await exchangeCode(config.auth, code, query.get('state'));
      sessionStorage.setItem(STORAGE_KEY, token);
      history.replaceState(null, '', `${location.pathname}#/overview`);
    }
  }
  const token = sessionStorage.getItem(STORAGE_KEY);
  if (!token) return undefined;
  try {
    const session = sessionFrom(token);
    if (session.expiresAt !== undefined && session.expiresAt < Date.now()) {
      sessionStorage.removeItem(STORAGE_KEY);
      return undefined;
    }
    return session;
  } catch {
    sessionStorage.removeItem(STORAGE_KEY);
    return undefined;
  }
}

export function signOut(config: ConsoleConfig): void {
  sessionStorage.removeItem(STORAGE_KEY);
  if (config.auth.mode === 'oidc' && config.auth.logoutEndpoint) {
    const url = new URL(config.auth.logoutEndpoint);
    url.searchParams.set('client_id', config.auth.clientId);
    url.searchParams.set('logout_uri', redirectUri());
    location.assign(url.toString());
    return;
  }
  location.hash = '#/';
  location.reload();
}

const redirectUri = () => `${location.origin}${location.pathname}`;

const base64Url = (bytes: Uint8Array) =>
  btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');

/** Starts the authorization code flow with PKCE (S256): the verifier stays in this tab's storage. */
export async function beginSignIn(auth: OidcAuth): Promise<void> {
  const verifier = base64Url(crypto.getRandomValues(new Uint8Array(32)));
  const state = base64Url(crypto.getRandomValues(new Uint8Array(16)));
  const challenge = base64Url(
    new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier))),
  );
  sessionStorage.setItem(PKCE_KEY, JSON.stringify({ verifier, state }));
  const url = new URL(auth.authorizationEndpoint);
  url.search = new URLSearchParams({
    response_type: 'code',
    client_id: auth.clientId,
    redirect_uri: redirectUri(),
    scope: auth.scope,
    state,
    code_challenge: challenge,
    code_challenge_method: 'S256',
  }).toString();
  location.assign(url.toString());
}

async function exchangeCode(auth: OidcAuth, code: string, state: string | null): Promise<string> {
  const saved = JSON.parse(sessionStorage.getItem(PKCE_KEY) ?? '{}') as { verifier?: string; state?: string };
  sessionStorage.removeItem(PKCE_KEY);
  if (!saved.verifier || saved.state !== state) throw new Error('the sign-in answer does not match this tab');
  const res = await fetch(auth.tokenEndpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      client_id: auth.clientId,
      code,
      redirect_uri: redirectUri(),
      code_verifier: saved.verifier,
    }),
  });
  if (!res.ok) throw new Error(`the identity provider refused the sign-in (${res.status})`);
  const tokens = (await res.json()) as Record<string, string | undefined>;
  const token = tokens[auth.useToken];
  if (!token) throw new Error(`the identity provider sent no ${auth.useToken}`);
  return token;
}
