import { canonicalJson, parseForm, splitKey } from '../../../scripts/stripe-sandbox/form';

describe('Stripe form encoding', () => {
  it('splits bracket keys', () => {
    expect(splitKey('a')).toEqual(['a']);
    expect(splitKey('a[b][0][]')).toEqual(['a', 'b', '0', '']);
    expect(splitKey('a[b')).toEqual(['a[b']);
    expect(splitKey('[x]')).toEqual(['[x]']);
  });

  it('nests objects and reads arrays written with [] or with indices (as the SDK does)', () => {
    const parsed = parseForm(
      'name=Acme&metadata[org_id]=org_1&metadata[plan]=pro&expand[]=a&expand[]=b' +
        '&payment_method_types[0]=card&payment_method_types[1]=link' +
        '&invoice_settings[default_payment_method]=pm_1&items[0][price]=p1&items[0][quantity]=2&items[1][price]=p2',
    );
    expect(parsed).toEqual({
      name: 'Acme',
      metadata: { org_id: 'org_1', plan: 'pro' },
      expand: ['a', 'b'],
      payment_method_types: ['card', 'link'],
      invoice_settings: { default_payment_method: 'pm_1' },
      items: [{ price: 'p1', quantity: '2' }, { price: 'p2' }],
    });
  });

  it('decodes percent-encoding and +, keeps empty values (Stripe: unset)', () => {
    expect(parseForm('description=Hello+world%21&metadata%5Bk%5D=v%26w&email=')).toEqual({
      description: 'Hello world!',
      metadata: { k: 'v&w' },
      email: '',
    });
  });

  it('compacts sparse indices and refuses a key that is both a value and a hash', () => {
    expect(parseForm('a[2]=x&a[5]=y')).toEqual({ a: ['x', 'y'] });
    expect(() => parseForm('a=1&a[b]=2')).toThrow(/conflicting/);
  });

  it('compares parameters independently of their order', () => {
    expect(canonicalJson(parseForm('a=1&b[c]=2&b[d]=3'))).toBe(canonicalJson(parseForm('b[d]=3&a=1&b[c]=2')));
    expect(canonicalJson(parseForm('a[]=1&a[]=2'))).not.toBe(canonicalJson(parseForm('a[]=2&a[]=1')));
  });
});
