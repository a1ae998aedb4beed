import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { SECTIONS } from '../../../functions/export/domain/document';
import { exportDocumentJsonSchema } from '../../../functions/export-schema';
import {
  publishedBlock,
  publishedSchema,
  SCHEMA_END,
  SCHEMA_START,
  withSchemaBlock,
} from '../../../scripts/docs/export-schema-block';

const DOC = readFileSync(join(__dirname, '../../../docs/export.md'), 'utf8');

describe('docs/export.md', () => {
  it('publishes the JSON Schema the code generates (regenerate it with npm run docs:export-schema)', () => {
    const published = publishedSchema(DOC);
    const state =
      published === null
        ? 'no ```json block between the markers'
        : isDeepStrictEqual(published, exportDocumentJsonSchema())
          ? 'up to date'
          : 'stale';
    // Not a diff of thousands of lines: the fix is one command.
    expect(state === 'up to date' ? state : `${state}: run npm run docs:export-schema`).toBe('up to date');
  });

  it('names every section of the document', () => {
    const missing = [...SECTIONS.map((s) => s.name), 'schema_version', 'generated_at', 'section_counts'].filter(
      (name) => !DOC.includes(`| \`${name}\``),
    );
    expect(missing).toEqual([]);
  });
});

describe('writing the schema block', () => {
  it('replaces only what is between the markers, and again gives the same text', () => {
    const md = `# Title\n\nbefore\n\n${SCHEMA_START}\nold\n${SCHEMA_END}\n\nafter\n`;
    const once = withSchemaBlock(md, '```json\n{ "a": 1 }\n```');
    expect(once).toBe(`# Title\n\nbefore\n\n${SCHEMA_START}\n\`\`\`json\n{ "a": 1 }\n\`\`\`\n${SCHEMA_END}\n\nafter\n`);
    expect(withSchemaBlock(once, '```json\n{ "a": 1 }\n```')).toBe(once);
    expect(publishedSchema(once)).toEqual({ a: 1 });
  });

  it('refuses a document without both markers, or with one twice', () => {
    expect(publishedBlock('no markers')).toBeNull();
    expect(() => withSchemaBlock('no markers', 'x')).toThrow(/once each/);
    expect(() => withSchemaBlock(`${SCHEMA_START}\n${SCHEMA_END}\n${SCHEMA_START}`, 'x')).toThrow(/once each/);
  });
});
