import { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';

/**
 * Secrets Manager GetSecretValue through Powertools' SecretsProvider: the value is cached per warm
 * Lambda and read again once it is older than `SECRET_MAX_AGE_SECONDS`, so a rotated webhook signing
 * secret is picked up within minutes without a redeploy (during a rotation both secrets are listed,
 * comma-separated, so requests keep verifying meanwhile). The SDK client is the Lambda runtime's.
 */
export const SECRET_MAX_AGE_SECONDS = 300;

/** Reads secrets through `client` (tests give one with their own middleware). */
export function secretReader(
  client: SecretsManagerClient,
  maxAgeSeconds = SECRET_MAX_AGE_SECONDS,
): (secretId: string) => Promise<string> {
  const provider = new SecretsProvider({ awsSdkV3Client: client });
  return async (secretId) => {
    const value = await provider.get(secretId, { maxAge: maxAgeSeconds });
    if (typeof value !== 'string' || value === '') throw new Error('the secret has no SecretString');
    return value;
  };
}

const readers = new Map<string, (secretId: string) => Promise<string>>();

export function getSecretString(region: string, secretId: string): Promise<string> {
  let read = readers.get(region);
  if (!read) {
    read = secretReader(new SecretsManagerClient({ region }));
    readers.set(region, read);
  }
  return read(secretId);
}
