import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const root = resolve(__dirname, '../..');

/**
 * The text of a PDF, extracted with pdf-parse (pdf.js) in a plain Node process: pdf.js loads its worker
 * with a dynamic import, which jest's module sandbox refuses.
 */
export async function pdfText(bytes: Uint8Array): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'pdf-'));
  try {
    const file = join(dir, 'document.pdf');
    await writeFile(file, bytes);
    const script = `
      const { PDFParse } = require('pdf-parse');
      const data = new Uint8Array(require('node:fs').readFileSync(process.argv[1]));
      const parser = new PDFParse({ data });
      parser.getText().then(async (r) => { process.stdout.write(r.text); await parser.destroy(); });`;
    const { stdout } = await run(process.execPath, ['-e', script, file], { cwd: root, maxBuffer: 16 * 1024 * 1024 });
    return stdout;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
