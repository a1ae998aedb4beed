import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { LOCAL_CREDENTIALS } from './dynamodb-local';

/**
 * The exports bucket locally: the S3 endpoint of the fauxqs process that serves SQS (it emulates both).
 * Like the queues, it lives in memory: a restart drops the files (exports are rebuilt on request).
 * fauxqs checks neither signatures nor expiry of presigned URLs, and keeps no Content-Encoding: the
 * stack's real S3 does both (see docs/export.md).
 */
export const LOCAL_EXPORTS_BUCKET = 'billing-exports';

export function localS3Client(endpoint: string, region = 'us-east-1'): S3Client {
  return new S3Client({ endpoint, region, forcePathStyle: true, credentials: LOCAL_CREDENTIALS });
}

/** Creates the bucket unless it exists (CreateBucket on an existing bucket of ours is a no-op). */
export async function ensureBucket(s3: S3Client, name: string): Promise<void> {
  try {
    await s3.send(new CreateBucketCommand({ Bucket: name }));
  } catch (error) {
    const code = (error as { name?: string }).name;
    if (code !== 'BucketAlreadyOwnedByYou' && code !== 'BucketAlreadyExists') throw error;
  }
}
