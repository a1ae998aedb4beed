import { PassThrough } from 'node:stream';
import { write } from '../../../functions/export/adapters/s3-export-files';

describe('writing a document chunk with backpressure', () => {
  it('leaves no listener behind however often the buffer fills', async () => {
    const stream = new PassThrough({ highWaterMark: 16 });
    stream.resume();
    for (let i = 0; i < 200; i++) await write(stream, Buffer.alloc(64, i));
    expect(['drain', 'close', 'error'].map((e) => [e, stream.listenerCount(e)])).toEqual([
      ['drain', 0],
      ['close', 0],
      ['error', 0],
    ]);
  });

  it('stops waiting when the stream is destroyed instead of draining', async () => {
    const stream = new PassThrough({ highWaterMark: 16 });
    const waiting = write(stream, Buffer.alloc(64));
    stream.destroy();
    await expect(waiting).resolves.toBeUndefined();
  });
});
