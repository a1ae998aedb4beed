import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative, resolve } from 'node:path';

/**
 * The shape of functions/, checked on every import statement: capabilities meet only through ports
 * (and composition roots through `provides.ts`), the kernel depends on no capability, and inside a
 * capability the layers point one way: handlers → use cases → pure domain; adapters implement ports.
 */
const root = resolve(__dirname, '../..');
const functionsDir = join(root, 'functions');

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sources(path);
    return name.endsWith('.ts') ? [path] : [];
  });
}

interface Import {
  readonly from: string;
  /** Repository-relative target without extension, or the package name. */
  readonly target: string;
  readonly typeOnly: boolean;
}

const IMPORT = /^(import|export)\s+(type\s+)?[^'"]*?from\s+'([^']+)'/gm;

function importsOf(file: string): Import[] {
  const text = readFileSync(file, 'utf8');
  const out: Import[] = [];
  for (const m of text.matchAll(IMPORT)) {
    const spec = m[3]!;
    const target = spec.startsWith('.') ? relative(root, normalize(join(dirname(file), spec))) : spec;
    out.push({ from: relative(root, file), target, typeOnly: Boolean(m[2]) });
  }
  return out;
}

const allImports = sources(functionsDir).flatMap(importsOf);

/** `functions/<capability>/<layer>/…` → its capability and layer ('' for files at the capability root). */
function place(path: string): { capability: string; layer: string; file: string } {
  const parts = path.split('/');
  if (parts[0] !== 'functions' || parts.length < 3) return { capability: '', layer: '', file: parts.at(-1)! };
  return { capability: parts[1]!, layer: parts.length > 3 ? parts[2]! : '', file: parts.at(-1)! };
}

const TABLES = new Set(['functions/routes', 'functions/queues', 'functions/schedules', 'functions/table-schema']);
/** Modules that assemble every capability's contract into one (the route-id map and the OpenAPI document). */
const AGGREGATORS = new Set(['functions/contract.ts', 'functions/api/openapi.ts', 'functions/export-schema.ts']);

describe('the capability layout', () => {
  it('has one folder per capability, each with ports and a composition root', () => {
    const capabilities = readdirSync(functionsDir).filter(
      (name) => statSync(join(functionsDir, name)).isDirectory() && name !== 'kernel' && name !== 'api',
    );
    expect(capabilities.sort()).toEqual(
      expect.arrayContaining([
        'audit',
        'collection',
        'dunning',
        'invoicing',
        'notices',
        'orgs',
        'payments',
        'subscriptions',
        'usage',
      ]),
    );
    for (const capability of capabilities) {
      const entries = readdirSync(join(functionsDir, capability));
      expect(entries).toEqual(expect.arrayContaining(['compose.ts', 'ports.ts']));
    }
  });

  it('keeps the kernel free of any capability', () => {
    const offending = allImports.filter((i) => {
      if (!i.from.startsWith('functions/kernel/') || !i.target.startsWith('functions/')) return false;
      return !i.target.startsWith('functions/kernel/') && !TABLES.has(i.target);
    });
    expect(offending).toEqual([]);
  });

  it('lets capabilities meet only through ports, and composition roots through provides.ts', () => {
    const offending = allImports.filter((i) => {
      if (!i.target.startsWith('functions/') || AGGREGATORS.has(i.from)) return false;
      const from = place(i.from);
      const to = place(`${i.target}.ts`);
      if (!from.capability || from.capability === 'kernel' || !to.capability) return false;
      if (to.capability === from.capability || to.capability === 'kernel') return false;
      if (to.layer === '' && to.file === 'ports.ts') return false;
      const composes = from.layer === '' && /^(compose.*|provides.*)\.ts$/.test(from.file);
      // provides-stripe.ts: what a capability offers that calls Stripe, for compose-stripe.ts roots only.
      if (composes && to.layer === '' && /^provides(-stripe)?\.ts$/.test(to.file)) return false;
      return true;
    });
    expect(offending).toEqual([]);
  });

  it('points the layers one way inside each capability', () => {
    // What each layer may not import from its own capability (or anyone's).
    // Layer folders anywhere, and a capability's root modules (functions/<capability>/<module>).
    const forbidden: Record<string, RegExp> = {
      domain: /^functions\/[^/]+\/((app|adapters|http|queue|schedule)\/|(compose[^/]*|provides[^/]*|ports|contract)$)/,
      app: /^functions\/[^/]+\/((adapters|http|queue|schedule)\/|(compose[^/]*|provides[^/]*|contract)$)/,
      adapters: /^functions\/[^/]+\/((http|queue|schedule)\/|(compose[^/]*|provides[^/]*)$)/,
    };
    const offending = allImports.filter((i) => {
      const { layer } = place(i.from);
      const rule = forbidden[layer];
      return rule !== undefined && i.target.startsWith('functions/') && rule.test(i.target);
    });
    expect(offending).toEqual([]);
  });

  it('keeps the domain pure: no AWS, Stripe or I/O packages', () => {
    const offending = allImports.filter(
      (i) =>
        (place(i.from).layer === 'domain' || i.from === 'functions/kernel/money.ts') &&
        /^(@aws-sdk|@aws-lambda-powertools|stripe|node:fs|node:http|@middy)/.test(i.target),
    );
    expect(offending).toEqual([]);
  });

  it('wires cross-capability dependencies without casts or "absent otherwise" optionals', () => {
    const composition = sources(functionsDir).filter((f) => /\/(compose[^/]*|provides[^/]*)\.ts$/.test(f));
    for (const file of composition) {
      const text = readFileSync(file, 'utf8');
      expect({ file: relative(root, file), partialCast: /as\s+\w+\s*&\s*Partial</.test(text) }).toEqual({
        file: relative(root, file),
        partialCast: false,
      });
    }
  });
});
