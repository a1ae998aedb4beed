import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { withSchemaBlock } from './export-schema-block';

/**
 * `npm run docs:export-schema`: writes the export document's JSON Schema into docs/export.md, then formats
 * the file as `npx biome check` wants it (Biome formats markdown and its ```json blocks).
 */
const root = join(__dirname, '..', '..');
const file = join(root, 'docs', 'export.md');
const before = readFileSync(file, 'utf8');
writeFileSync(file, withSchemaBlock(before));
execFileSync(join(root, 'node_modules', '.bin', 'biome'), ['format', '--write', file], { stdio: 'ignore' });
const changed = readFileSync(file, 'utf8') !== before;
process.stdout.write(`docs/export.md: the JSON Schema ${changed ? 'rewritten' : 'is up to date'}\n`);
