import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { PassThrough, Transform, type Writable } from 'node:stream';
import { createGzip } from 'node:zlib';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type { ExportFiles, StoredDocument } from '../ports';

/** Multipart part size and parts in flight per upload: memory is about PART_BYTES × QUEUE per object. */
const PART_BYTES = 8 * 1024 * 1024;
const QUEUE = 2;

/**
 * The documents in S3, written as a stream: each chunk goes to the hash, to the JSON object's multipart
 * upload and through gzip to the compressed copy's, with backpressure, so memory stays bounded by the
 * parts in flight whatever the document's size.
 *
 * Why two objects: the gzip copy is the compact one at rest and for clients that accept gzip
 * (`Content-Encoding: gzip`); S3 cannot decompress on the way out, and `curl -o export.json` without
 * `--compressed` would save gzip bytes, so the plain JSON is kept beside it for the one-command download.
 */
export class S3ExportFiles implements ExportFiles {
  constructor(
    private readonly s3: S3Client,
    private readonly bucket: string | undefined,
  ) {}

  async write(
    keys: { objectKey: string; gzipObjectKey: string },
    chunks: AsyncIterable<string>,
  ): Promise<StoredDocument> {
    const bucket = this.requireBucket();
    const plain = new PassThrough();
    const gzip = createGzip({ level: 6 });
    let compressedSizeBytes = 0;
    const counted = gzip.pipe(
      new Transform({
        transform(chunk: Buffer, _encoding, done) {
          compressedSizeBytes += chunk.length;
          done(null, chunk);
        },
      }),
    );
    const uploads = [
      new Upload({
        client: this.s3,
        params: { Bucket: bucket, Key: keys.objectKey, Body: plain, ContentType: 'application/json' },
        partSize: PART_BYTES,
        queueSize: QUEUE,
      }),
      new Upload({
        client: this.s3,
        params: {
          Bucket: bucket,
          Key: keys.gzipObjectKey,
          Body: counted,
          ContentType: 'application/json',
          ContentEncoding: 'gzip',
        },
        partSize: PART_BYTES,
        queueSize: QUEUE,
      }),
    ];
    const done = Promise.all(uploads.map((u) => u.done()));
    // An upload that fails stops the writing below (its stream is never drained otherwise).
    let failed: unknown;
    done.catch((error) => {
      failed = error;
      plain.destroy();
      gzip.destroy();
    });
    const hash = createHash('sha256');
    let sizeBytes = 0;
    try {
      for await (const chunk of chunks) {
        if (failed) throw failed;
        const bytes = Buffer.from(chunk, 'utf8');
        hash.update(bytes);
        sizeBytes += bytes.length;
        await Promise.all([write(plain, bytes), write(gzip, bytes)]);
      }
      plain.end();
      gzip.end();
      await done;
    } catch (error) {
      await Promise.all(uploads.map((u) => u.abort().catch(() => undefined)));
      plain.destroy();
      gzip.destroy();
      throw failed ?? error;
    }
    return { sizeBytes, sha256: hash.digest('hex'), compressedSizeBytes };
  }

  downloadUrl(key: string, seconds: number, filename: string): Promise<string> {
    return getSignedUrl(
      this.s3,
      new GetObjectCommand({
        Bucket: this.requireBucket(),
        Key: key,
        ResponseContentDisposition: `attachment; filename="${filename}"`,
      }),
      { expiresIn: seconds },
    );
  }

  private requireBucket(): string {
    if (!this.bucket) throw new Error('EXPORTS_BUCKET is not configured');
    return this.bucket;
  }
}

/**
 * Writes with backpressure: waits for `drain` when the stream's buffer is full (or `close`: a destroyed
 * stream never drains). The wait that lost the race is cancelled: left pending, each full buffer would
 * leave a `close` and an `error` listener behind, thousands over a large document.
 */
export async function write(stream: Writable, bytes: Buffer): Promise<void> {
  if (stream.write(bytes)) return;
  const settled = new AbortController();
  try {
    await Promise.race([
      once(stream, 'drain', { signal: settled.signal }),
      once(stream, 'close', { signal: settled.signal }),
    ]);
  } finally {
    settled.abort();
  }
}

/** Locally the endpoint is fauxqs's S3: path-style, since `<bucket>.127.0.0.1` does not resolve. */
export function createS3Client(config: { region: string; s3Endpoint?: string }): S3Client {
  return new S3Client({
    region: config.region,
    ...(config.s3Endpoint ? { endpoint: config.s3Endpoint, forcePathStyle: true } : {}),
    maxAttempts: 3,
  });
}
