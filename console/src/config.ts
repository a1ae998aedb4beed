/**
 * What the console is pointed at, read from `config.json` next to index.html: served by `npm start`
 * locally, written by ConsoleStack (CDK) on AWS. Nothing here is a secret.
 */
export interface ConsoleConfig {
  /** The API's base URL; '' means the console's own origin (locally the gateway serves both). */
  apiUrl: string;
  auth: TokenAuth | OidcAuth;
  stripe?: {
    /** `pk_…`: with it the console can save a card (Elements on real Stripe, the test-card picker in the sandbox). */
    publishableKey: string;
    /** Set only locally: the Stripe sandbox's URL, where the test-card picker confirms as Stripe.js would. */
    sandboxUrl?: string;
  };
}

/** Locally: the token comes in the link `npm start` prints (`#token=…`), minted by the local identity provider. */
export interface TokenAuth {
  mode: 'token';
}

/**
 * On AWS: OpenID Connect authorization code flow with PKCE against the identity provider whose JWTs
 * the API's authorizer accepts (the same issuer and audience/client id). The token must carry the
 * `org_id` and `role` claims.
 */
export interface OidcAuth {
  mode: 'oidc';
  issuer: string;
  clientId: string;
  authorizationEndpoint: string;
  tokenEndpoint: string;
  scope: string;
  /** Which token goes to the API: the ID token (audience = client id) or the access token. */
  useToken: 'id_token' | 'access_token';
  logoutEndpoint?: string;
}

export async function loadConfig(): Promise<ConsoleConfig> {
  const res = await fetch('./config.json', { cache: 'no-store' });
  if (!res.ok) throw new Error(`config.json answered ${res.status}`);
  return (await res.json()) as ConsoleConfig;
}
