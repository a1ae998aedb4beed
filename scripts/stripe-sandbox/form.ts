/**
 * Stripe's v1 wire format: `application/x-www-form-urlencoded` bodies (and GET query strings) whose
 * keys use bracket notation for nesting. The SDK writes arrays with indices (`expand[0]=a`), curl users
 * write `expand[]=a`; both become arrays. Objects nest (`invoice_settings[default_payment_method]=pm_1`).
 * Every value stays a string: Stripe coerces per parameter, and so do the routes (see `params.ts`).
 * An empty value (`description=`) is Stripe's way to *unset* a field; the routes treat `''` as null.
 */
export type FormValue = string | FormValue[] | { [key: string]: FormValue };
export type FormObject = { [key: string]: FormValue };

/** Splits `a[b][0][]` into `['a', 'b', '0', '']`; a malformed key is taken literally. */
export function splitKey(key: string): string[] {
  const open = key.indexOf('[');
  if (open <= 0 || !key.endsWith(']')) return [key];
  const parts = [key.slice(0, open)];
  const rest = key.slice(open);
  const re = /\[([^\]]*)\]/g;
  let consumed = 0;
  for (let m = re.exec(rest); m; m = re.exec(rest)) {
    if (m.index !== consumed) return [key];
    parts.push(m[1] ?? '');
    consumed = re.lastIndex;
  }
  return consumed === rest.length ? parts : [key];
}

const isIndex = (segment: string) => segment === '' || /^\d+$/.test(segment);

function assign(container: FormObject | FormValue[], path: string[], value: string): void {
  const [head, ...rest] = path as [string, ...string[]];
  if (Array.isArray(container)) {
    // `[]` appends; `[n]` addresses an element (the SDK sends them in order, so sparse arrays compact).
    const index = head === '' ? container.length : Number(head);
    if (rest.length === 0) {
      container[index] = value;
      return;
    }
    container[index] ??= isIndex(rest[0]!) ? [] : {};
    const child = container[index];
    if (typeof child === 'string') throw new FormError(`conflicting values for ${head}`);
    assign(child, rest, value);
    return;
  }
  if (rest.length === 0) {
    container[head] = value;
    return;
  }
  container[head] ??= isIndex(rest[0]!) ? [] : {};
  const child = container[head];
  if (typeof child === 'string') throw new FormError(`conflicting values for ${head}`);
  assign(child, rest, value);
}

function compact(value: FormValue): FormValue {
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) return value.filter((v) => v !== undefined).map(compact);
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, compact(v)]));
}

export class FormError extends Error {}

/** Parses a form body or query string (without the leading `?`) into nested objects and arrays. */
export function parseForm(text: string): FormObject {
  const root: FormObject = {};
  for (const [key, value] of new URLSearchParams(text)) {
    assign(root, splitKey(key), value);
  }
  return compact(root) as FormObject;
}

/** A canonical serialization (sorted keys) so two requests' parameters compare equal however ordered. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}
