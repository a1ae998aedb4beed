import { readdirSync, readFileSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join, relative } from 'node:path';

/**
 * What the code imports is what package.json declares: a package that only arrives as another one's
 * dependency (the SigV4 signer and credential chain inside the DynamoDB client, once) can vanish or
 * change with any update of the package that brings it.
 */
const ROOT = join(__dirname, '../..');
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};
const declared = new Set([...Object.keys(pkg.dependencies), ...Object.keys(pkg.devDependencies)]);
const builtins = new Set(builtinModules);

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sources(path);
    return /\.(ts|mts|mjs|js)$/.test(name) ? [path] : [];
  });
}

const IMPORT =
  /^\s*(?:import|export)\s+(type\s+)?(?:[^'"]*?\s+from\s+)?['"]([^'"]+)['"]|\bimport\(\s*['"]([^'"]+)['"]\s*\)/gm;
const packageOf = (specifier: string) =>
  specifier.startsWith('@') ? specifier.split('/').slice(0, 2).join('/') : specifier.split('/')[0]!;

describe('dependencies', () => {
  const files = ['functions', 'lib', 'scripts', 'bin'].flatMap((d) => sources(join(ROOT, d)));

  it('every package that product, infrastructure and scripts import is declared in package.json', () => {
    const undeclared: string[] = [];
    for (const file of files) {
      for (const m of readFileSync(file, 'utf8').matchAll(IMPORT)) {
        const specifier = m[2] ?? m[3]!;
        if (specifier.startsWith('.') || specifier.startsWith('node:') || builtins.has(specifier)) continue;
        const name = packageOf(specifier);
        // Type-only imports are satisfied by the package's @types.
        if (declared.has(name) || (m[1] && declared.has(`@types/${name}`))) continue;
        undeclared.push(`${relative(ROOT, file)}: ${specifier}`);
      }
    }
    expect(undeclared).toEqual([]);
  });

  it('signs nothing by hand where an SDK does it: no SigV4 signer in the product, no HMAC in the Stripe sandbox', () => {
    const offenders = files.filter((file) => {
      const text = readFileSync(file, 'utf8');
      const rel = relative(ROOT, file);
      return (
        (rel.startsWith('functions') && /@smithy\/signature-v4/.test(text)) ||
        (rel.startsWith('scripts/stripe-sandbox') && /createHmac\(/.test(text))
      );
    });
    expect(offenders.map((f) => relative(ROOT, f))).toEqual([]);
  });
});
