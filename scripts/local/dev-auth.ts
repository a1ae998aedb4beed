import type { webcrypto } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createLocalJWKSet, exportJWK, generateKeyPair, importJWK, type JWK, jwtVerify, SignJWT } from 'jose';
import type { Role } from '../../functions/routes';

type CryptoKey = webcrypto.CryptoKey;

/**
 * The local identity provider: an RS256 key pair kept under .data/ (so tokens survive restarts), a
 * JWKS the local gateway verifies against exactly as API Gateway's JWT authorizer does (signature,
 * issuer, audience, expiry), and a minter for dev tokens. Never used on AWS: there the authorizer is
 * pointed at the real issuer.
 */
export const DEV_ISSUER = 'https://billing.local/dev-issuer';
export const DEV_AUDIENCE = 'billing-api';

export interface DevKeys {
  privateKey: CryptoKey;
  publicJwk: JWK;
  kid: string;
}

export interface DevClaims {
  sub: string;
  org_id?: string;
  role: Role;
}

export async function createDevKeys(): Promise<{ keys: DevKeys; privateJwk: JWK }> {
  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
  const kid = `dev-${Date.now().toString(36)}`;
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' };
  const privateJwk = { ...(await exportJWK(privateKey)), kid, alg: 'RS256' };
  return { keys: { privateKey: privateKey as CryptoKey, publicJwk, kid }, privateJwk };
}

export async function loadOrCreateDevKeys(dir: string): Promise<DevKeys> {
  const file = join(dir, 'dev-jwt-key.json');
  try {
    const privateJwk = JSON.parse(await readFile(file, 'utf8')) as JWK & { kid: string };
    const { d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, ...publicPart } = privateJwk;
    return {
      privateKey: (await importJWK(privateJwk, 'RS256')) as CryptoKey,
      publicJwk: { ...publicPart, use: 'sig' },
      kid: privateJwk.kid,
    };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const { keys, privateJwk } = await createDevKeys();
  await mkdir(dir, { recursive: true });
  // Write-then-rename so a concurrent reader never sees half a key.
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, JSON.stringify(privateJwk), { mode: 0o600 });
  await rename(tmp, file);
  return keys;
}

export async function mintToken(keys: DevKeys, claims: DevClaims, ttlSeconds = 12 * 3600): Promise<string> {
  return new SignJWT({ ...claims })
    .setProtectedHeader({ alg: 'RS256', kid: keys.kid, typ: 'JWT' })
    .setIssuer(DEV_ISSUER)
    .setAudience(DEV_AUDIENCE)
    .setSubject(claims.sub)
    .setIssuedAt()
    .setExpirationTime(`${ttlSeconds}s`)
    .sign(keys.privateKey);
}

/**
 * Verifies like API Gateway's JWT authorizer; returns the claims as the authorizer forwards them (strings).
 * The authorizer refuses a token without `exp` and accepts only the algorithm the issuer signs with, so
 * this does too: a token the deployed API would refuse must not work locally.
 */
export function devVerifier(keys: DevKeys) {
  const jwks = createLocalJWKSet({ keys: [keys.publicJwk] });
  return async (token: string): Promise<Record<string, string>> => {
    const { payload } = await jwtVerify(token, jwks, {
      issuer: DEV_ISSUER,
      audience: DEV_AUDIENCE,
      algorithms: ['RS256'],
      requiredClaims: ['exp'],
    });
    return Object.fromEntries(
      Object.entries(payload).map(([k, v]) => [k, Array.isArray(v) ? `[${v.join(' ')}]` : String(v)]),
    );
  };
}
