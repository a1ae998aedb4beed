import { writeDocument } from '../../../functions/export/app/build-export';
import type { ExportDeps } from '../../../functions/export/app/export-common';
import {
  applyRule,
  documentChunks,
  emptyCounts,
  SECTIONS,
  type SectionName,
  type SectionSpec,
} from '../../../functions/export/domain/document';
import type { ExportJob } from '../../../functions/export/domain/export-job';
import type { ExportSources } from '../../../functions/export/ports';

const GENERATED = '2026-12-20T00:00:00.000Z';
const spec = (name: SectionName) => SECTIONS.find((s) => s.name === name)! as SectionSpec;

async function* many(n: number, at: (i: number) => string) {
  for (let i = 0; i < n; i++) yield { id: `a${i}`, at: at(i), padding: 'x'.repeat(200) };
}

function emptySections(): Record<SectionName, Iterable<unknown>> {
  return Object.fromEntries(SECTIONS.map((s) => [s.name, s.kind === 'value' ? [null] : []])) as unknown as Record<
    SectionName,
    Iterable<unknown>
  >;
}

async function text(chunks: AsyncIterable<string>) {
  const out: string[] = [];
  for await (const c of chunks) out.push(c);
  return out;
}

describe('the export document stream', () => {
  it('writes every section in order, then the counts, as one JSON object', async () => {
    const counts = emptyCounts();
    const chunks = await text(
      documentChunks(
        { generatedAt: GENERATED, sections: { ...emptySections(), org: [{ id: 'org_a' }], contacts: [{ id: 'c1' }] } },
        counts,
      ),
    );
    const doc = JSON.parse(chunks.join(''));
    expect(Object.keys(doc)).toEqual([
      'schema_version',
      'generated_at',
      ...SECTIONS.map((s) => s.name),
      'section_counts',
    ]);
    expect(doc).toMatchObject({ schema_version: 1, generated_at: GENERATED, org: { id: 'org_a' }, subscription: null });
    expect(doc.section_counts).toEqual({ ...emptyCounts(), org: 1, contacts: 1 });
    expect(counts).toEqual(doc.section_counts);
  });

  it('leaves out records created after generated_at, and cuts their timestamped parts at it', async () => {
    const chunks = await text(
      documentChunks({
        generatedAt: GENERATED,
        sections: {
          ...emptySections(),
          audit_trail: many(4, (i) => (i < 3 ? '2026-12-19T23:59:59.999Z' : '2026-12-20T00:00:00.001Z')),
          invoices: [
            {
              id: 'in_1',
              created_at: GENERATED,
              payment_attempts: [{ at: '2026-12-19T00:00:00.000Z' }, { at: '2026-12-21T00:00:00.000Z' }],
            },
          ],
        },
      }),
    );
    const doc = JSON.parse(chunks.join(''));
    expect(doc.audit_trail.map((e: { id: string }) => e.id)).toEqual(['a0', 'a1', 'a2']);
    expect(doc.invoices[0].payment_attempts).toEqual([{ at: '2026-12-19T00:00:00.000Z' }]);
    expect(doc.section_counts.audit_trail).toBe(3);
  });

  it('streams a large section in bounded chunks instead of one string', async () => {
    const chunks = await text(
      documentChunks({
        generatedAt: GENERATED,
        sections: { ...emptySections(), audit_trail: many(5_000, () => '2026-01-01T00:00:00.000Z') },
      }),
    );
    expect(chunks.length).toBeGreaterThan(10);
    expect(Math.max(...chunks.map((c) => c.length))).toBeLessThan(70 * 1024);
    expect(JSON.parse(chunks.join('')).audit_trail).toHaveLength(5_000);
  });

  it('keeps records without the creation field, and values that are not objects', () => {
    expect(applyRule(spec('audit_trail'), { id: 'x' }, GENERATED)).toEqual({ keep: true, record: { id: 'x' } });
    expect(applyRule(spec('org'), null, GENERATED)).toEqual({ keep: true, record: null });
  });
});

describe('writing the document', () => {
  const job: ExportJob = {
    id: 'exp_1',
    orgId: 'org_a',
    status: 'building',
    requestedBy: { type: 'user', id: 'u' },
    createdAt: GENERATED,
    attempts: 1,
    schemaVersion: 1,
  };

  function harness(changes: boolean[]) {
    const reads: { section: string; asOf: string }[] = [];
    let now = Date.parse(GENERATED);
    const sources = Object.fromEntries(
      SECTIONS.map((s) => [
        s.name,
        {
          read: async function* (_org: string, asOf: Date) {
            reads.push({ section: s.name, asOf: asOf.toISOString() });
            yield s.kind === 'value' ? { read_at: asOf.toISOString() } : { id: `${s.name}_1` };
          },
        },
      ]),
    ) as unknown as ExportSources;
    let written = '';
    const deps = {
      clock: {
        now: () => {
          now += 1_000;
          return new Date(now);
        },
      },
      exportSources: sources,
      auditMarks: { mark: () => 'MARK', changedSince: async () => changes.shift() ?? false },
      exportFiles: {
        write: async (_keys: unknown, chunks: AsyncIterable<string>) => {
          for await (const c of chunks) written += c;
          return { sizeBytes: written.length, sha256: 'h', compressedSizeBytes: 1 };
        },
        downloadUrl: async () => 'u',
      },
    } as unknown as ExportDeps;
    return { deps, reads, doc: () => JSON.parse(written) };
  }

  it('reads the org’s current state again, at a later generated_at, when an audited change landed meanwhile', async () => {
    const h = harness([true, false]);
    const done = await writeDocument(h.deps, job);
    const orgReads = h.reads.filter((r) => r.section === 'org').map((r) => r.asOf);
    expect(orgReads).toHaveLength(2);
    expect(done.generatedAt).toBe(orgReads[1]);
    expect(h.doc().org).toEqual({ read_at: done.generatedAt });
    // The streamed sections are read once, at the final generated_at.
    expect(h.reads.filter((r) => r.section === 'audit_trail').map((r) => r.asOf)).toEqual([done.generatedAt]);
    expect(done).toMatchObject({ status: 'ready', objectKey: 'exports/org_a/exp_1.json', sha256: 'h' });
  });

  it('gives up re-reading after three attempts rather than never finishing for a busy org', async () => {
    const h = harness([true, true, true, true]);
    await writeDocument(h.deps, job);
    expect(h.reads.filter((r) => r.section === 'org')).toHaveLength(3);
  });
});
