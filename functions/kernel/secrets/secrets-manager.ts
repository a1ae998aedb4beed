import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';
import { defaultProvider } from '@aws-sdk/credential-provider-node';
import { SignatureV4 } from '@smithy/signature-v4';

/**
 * Secrets Manager GetSecretValue, read once per cold start per secret. `@aws-sdk/client-secrets-manager`
 * at the pinned SDK line (3.1169.0) is not published, so this signs the one JSON call with the SigV4
 * signer and credential chain the DynamoDB client already ships with (same versions, no new package).
 */
const cache = new Map<string, Promise<string>>();

export function getSecretString(region: string, secretId: string): Promise<string> {
  let value = cache.get(secretId);
  if (!value) {
    value = fetchSecret(region, secretId);
    value.catch(() => cache.delete(secretId));
    cache.set(secretId, value);
  }
  return value;
}

const bytes = (data: string | ArrayBuffer | ArrayBufferView): string | Uint8Array =>
  typeof data === 'string'
    ? data
    : ArrayBuffer.isView(data)
      ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
      : new Uint8Array(data);

class NodeSha256 {
  private readonly hash: Hash | Hmac;
  constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
    this.hash = secret ? createHmac('sha256', bytes(secret)) : createHash('sha256');
  }
  update(data: string | ArrayBuffer | ArrayBufferView): void {
    this.hash.update(bytes(data));
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }
  reset(): void {}
}

async function fetchSecret(region: string, secretId: string): Promise<string> {
  const hostname = `secretsmanager.${region}.amazonaws.com`;
  const signer = new SignatureV4({
    service: 'secretsmanager',
    region,
    credentials: defaultProvider(),
    sha256: NodeSha256,
  });
  const body = JSON.stringify({ SecretId: secretId });
  const signed = await signer.sign({
    method: 'POST',
    protocol: 'https:',
    hostname,
    path: '/',
    headers: {
      host: hostname,
      'content-type': 'application/x-amz-json-1.1',
      'x-amz-target': 'secretsmanager.GetSecretValue',
    },
    body,
  });
  const res = await fetch(`https://${hostname}/`, { method: 'POST', headers: signed.headers, body });
  if (!res.ok) throw new Error(`GetSecretValue failed with ${res.status}`);
  const out = (await res.json()) as { SecretString?: string };
  if (!out.SecretString) throw new Error('the secret has no SecretString');
  return out.SecretString;
}
