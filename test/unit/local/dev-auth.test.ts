import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { createDevKeys, DEV_AUDIENCE, DEV_ISSUER, devVerifier, mintToken } from '../../../scripts/local/dev-auth';

describe('the local JWT verifier', () => {
  const claims = { sub: 'user_1', org_id: 'org_1', role: 'owner' as const };

  it('accepts a dev token and forwards its claims as strings', async () => {
    const { keys } = await createDevKeys();
    const verified = await devVerifier(keys)(await mintToken(keys, claims));
    expect(verified).toMatchObject({ sub: 'user_1', org_id: 'org_1', role: 'owner', exp: expect.any(String) });
  });

  it('refuses a token without exp, as the API Gateway JWT authorizer does', async () => {
    const { keys } = await createDevKeys();
    const noExpiry = await new SignJWT({ ...claims })
      .setProtectedHeader({ alg: 'RS256', kid: keys.kid, typ: 'JWT' })
      .setIssuer(DEV_ISSUER)
      .setAudience(DEV_AUDIENCE)
      .setSubject(claims.sub)
      .setIssuedAt()
      .sign(keys.privateKey);
    await expect(devVerifier(keys)(noExpiry)).rejects.toThrow(/exp/);
  });

  it('refuses a token signed with another algorithm than RS256 by a key the JWKS lists without `alg`', async () => {
    // Identity providers often publish keys without `alg`: then only the verifier's own list pins it.
    const { privateKey, publicKey } = await generateKeyPair('PS256', { extractable: true });
    const kid = 'no-alg';
    const keys = { privateKey, publicJwk: { ...(await exportJWK(publicKey)), kid, use: 'sig' }, kid };
    const ps256 = await new SignJWT({ ...claims })
      .setProtectedHeader({ alg: 'PS256', kid, typ: 'JWT' })
      .setIssuer(DEV_ISSUER)
      .setAudience(DEV_AUDIENCE)
      .setSubject(claims.sub)
      .setIssuedAt()
      .setExpirationTime('1h')
      .sign(privateKey);
    await expect(devVerifier(keys as never)(ps256)).rejects.toThrow(/alg/);
  });
});
