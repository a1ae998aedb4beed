import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { NoticeSender } from '../ports';

/**
 * The local stack's mail: each message becomes a file under NOTIFICATIONS_DIR/<notice>/<recipient>.txt,
 * so a developer can read exactly what a contact would have received.
 */
export class FileNoticeSender implements NoticeSender {
  constructor(private readonly dir: string) {}

  async send(message: { to: string; subject: string; body: string; noticeId: string }): Promise<string> {
    const folder = join(this.dir, message.noticeId);
    await mkdir(folder, { recursive: true });
    const file = join(folder, `${message.to.replace(/[^A-Za-z0-9@._-]/g, '_')}.txt`);
    await writeFile(file, `To: ${message.to}\nSubject: ${message.subject}\n\n${message.body}\n`);
    return `file:${file}`;
  }
}
