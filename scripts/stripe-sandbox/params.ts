import { invalidRequest, missingParam } from './errors';
import type { FormObject, FormValue } from './form';

/**
 * Typed reads of form parameters. Stripe coerces per parameter and answers 400 `invalid_request_error`
 * naming the parameter when a value does not fit; `''` means "unset" (null).
 */
export class Params {
  constructor(
    readonly raw: FormObject,
    private readonly prefix = '',
  ) {}

  private name(key: string) {
    return this.prefix ? `${this.prefix}[${key}]` : key;
  }

  has(key: string): boolean {
    return this.raw[key] !== undefined;
  }

  /** A string, `null` for the empty string (unset), undefined when absent. */
  string(key: string): string | null | undefined {
    const v = this.raw[key];
    if (v === undefined) return undefined;
    if (typeof v !== 'string') throw invalidRequest(`Invalid string: ${this.name(key)}`, this.name(key));
    return v === '' ? null : v;
  }

  requiredString(key: string): string {
    const v = this.string(key);
    if (v == null) throw missingParam(this.name(key));
    return v;
  }

  integer(key: string): number | undefined {
    const v = this.string(key);
    if (v == null) return undefined;
    if (!/^-?\d+$/.test(v)) throw invalidRequest(`Invalid integer: ${v}`, this.name(key));
    return Number(v);
  }

  boolean(key: string): boolean | undefined {
    const v = this.string(key);
    if (v == null) return undefined;
    if (v !== 'true' && v !== 'false') throw invalidRequest(`Invalid boolean: ${v}`, this.name(key));
    return v === 'true';
  }

  /** `expand[]`, `payment_method_types[]`, …: an array of strings (a lone string is accepted too). */
  strings(key: string): string[] | undefined {
    const v = this.raw[key];
    if (v === undefined) return undefined;
    if (typeof v === 'string') return v === '' ? [] : [v];
    if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) {
      throw invalidRequest(`Invalid array: ${this.name(key)}`, this.name(key));
    }
    return v as string[];
  }

  /** A nested hash (`invoice_settings[...]`), as Params so errors name the full parameter. */
  hash(key: string): Params | null | undefined {
    const v: FormValue | undefined = this.raw[key];
    if (v === undefined) return undefined;
    if (v === '') return null;
    if (typeof v !== 'object' || Array.isArray(v))
      throw invalidRequest(`Invalid hash: ${this.name(key)}`, this.name(key));
    return new Params(v, this.name(key));
  }

  enumOf<T extends string>(key: string, allowed: readonly T[]): T | undefined {
    const v = this.string(key);
    if (v == null) return undefined;
    if (!(allowed as readonly string[]).includes(v)) {
      throw invalidRequest(`Invalid ${this.name(key)}: must be one of ${allowed.join(', ')}`, this.name(key));
    }
    return v as T;
  }
}

/**
 * Stripe's metadata update semantics: keys merge into the existing metadata; a key set to `''` is
 * removed; `metadata=''` clears everything. Values are strings.
 */
export function mergeMetadata(
  current: Record<string, string>,
  params: Params,
  key = 'metadata',
): Record<string, string> {
  if (!params.has(key)) return current;
  const hash = params.hash(key);
  if (hash === null) return {};
  const next = { ...current };
  for (const [k, v] of Object.entries(hash!.raw)) {
    if (typeof v !== 'string') throw invalidRequest(`Invalid metadata value for ${k}`, `metadata[${k}]`);
    if (v === '') delete next[k];
    else next[k] = v;
  }
  return next;
}
