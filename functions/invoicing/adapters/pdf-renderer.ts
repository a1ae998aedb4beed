import { formatMajor } from '../../kernel/money';
import type { Invoice } from '../domain/invoice';
import type { InvoicePdfRenderer } from '../ports';

/**
 * Invoice PDFs with pdf-lib and its standard fonts (no font files to ship). pdf-lib is imported on the
 * first PDF request, not when the function loads: a JSON request to the same route never pays for it.
 * The standard fonts encode WinAnsi only, so text outside it (a legal name in another script) is
 * printed with a replacement character rather than failing the document.
 */
const WIN_ANSI_EXTRA = '€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ';
const printable = (text: string) =>
  [...text]
    .map((c) => {
      const code = c.charCodeAt(0);
      return (code >= 0x20 && code <= 0x7e) || (code >= 0xa0 && code <= 0xff) || WIN_ANSI_EXTRA.includes(c) ? c : '?';
    })
    .join('');

const PAGE = { width: 595.28, height: 841.89, margin: 48 };

/** The unit column: the rate, `included` for usage inside the allowance, `tiered` across several rates. */
const unitOf = (line: Invoice['lines'][number]) => {
  if (line.unitAmountDecimal) return line.unitAmountDecimal;
  if (line.kind !== 'usage' && line.kind !== 'late_usage') return '—';
  return line.billableQuantity === 0 ? 'included' : 'tiered';
};

export class PdfLibInvoiceRenderer implements InvoicePdfRenderer {
  async render(invoice: Invoice): Promise<Uint8Array> {
    const { PDFDocument, StandardFonts, rgb } = await import('pdf-lib');
    const doc = await PDFDocument.create();
    doc.setTitle(`Invoice ${invoice.number ?? invoice.id}`);
    doc.setSubject(`${invoice.billTo.name} — ${invoice.period.key}`);
    doc.setCreationDate(new Date(invoice.issuedAt ?? invoice.createdAt));
    const regular = await doc.embedFont(StandardFonts.Helvetica);
    const bold = await doc.embedFont(StandardFonts.HelveticaBold);
    const grey = rgb(0.35, 0.35, 0.35);
    const money = (amountMinor: number) =>
      `${formatMajor({ amountMinor, currency: invoice.currency })} ${invoice.currency}`;

    let page = doc.addPage([PAGE.width, PAGE.height]);
    let y = PAGE.height - PAGE.margin;
    const text = (
      value: string,
      x: number,
      options: { size?: number; font?: typeof regular; color?: ReturnType<typeof rgb> } = {},
    ) =>
      page.drawText(printable(value), {
        x,
        y,
        size: options.size ?? 10,
        font: options.font ?? regular,
        color: options.color,
      });
    const right = (value: string, xRight: number, options: { size?: number; font?: typeof regular } = {}) => {
      const font = options.font ?? regular;
      const size = options.size ?? 10;
      const clean = printable(value);
      page.drawText(clean, { x: xRight - font.widthOfTextAtSize(clean, size), y, size, font });
    };
    const newline = (dy = 14) => {
      y -= dy;
      if (y < PAGE.margin + 60) {
        page = doc.addPage([PAGE.width, PAGE.height]);
        y = PAGE.height - PAGE.margin;
      }
    };

    text('Invoice', PAGE.margin, { size: 22, font: bold });
    right(invoice.number ?? 'DRAFT', PAGE.width - PAGE.margin, { size: 14, font: bold });
    newline(26);
    const facts: [string, string][] = [
      ['Status', invoice.status],
      ['Kind', invoice.kind],
      ['Period', `${invoice.period.start.slice(0, 10)} – ${invoice.period.end.slice(0, 10)} (end exclusive)`],
      ['Issued', invoice.issuedAt?.slice(0, 10) ?? '—'],
      ['Due', invoice.dueAt?.slice(0, 10) ?? '—'],
    ];
    for (const [label, value] of facts) {
      text(label, PAGE.margin, { color: grey });
      text(value, PAGE.margin + 70);
      newline();
    }
    newline(8);
    text('Bill to', PAGE.margin, { font: bold });
    newline();
    const b = invoice.billTo;
    const billTo = [
      b.legalName ?? b.name,
      ...(b.address
        ? [
            b.address.line1,
            b.address.line2,
            [b.address.postalCode, b.address.city, b.address.state].filter(Boolean).join(' '),
            b.address.country,
          ]
        : []),
      ...b.taxIds.map((t) => `${t.type.toUpperCase()} ${t.value}`),
      b.memo ? `Memo: ${b.memo}` : undefined,
      `Account: ${b.orgId}`,
    ].filter((l): l is string => Boolean(l));
    for (const line of billTo) {
      text(line, PAGE.margin);
      newline();
    }

    newline(10);
    const cols = { qty: 360, unit: 450, amount: PAGE.width - PAGE.margin };
    text('Description', PAGE.margin, { font: bold });
    right('Quantity', cols.qty, { font: bold });
    right('Unit (minor)', cols.unit, { font: bold });
    right('Amount', cols.amount, { font: bold });
    newline(16);
    for (const line of invoice.lines) {
      const description = line.description.length > 58 ? `${line.description.slice(0, 57)}…` : line.description;
      text(description, PAGE.margin);
      right(line.quantity.toLocaleString('en-US'), cols.qty);
      right(unitOf(line), cols.unit);
      right(money(line.amountMinor), cols.amount);
      newline();
    }
    newline(8);
    const totals: [string, number][] = [
      ['Subtotal', invoice.subtotalMinor],
      ['Credits applied', -invoice.creditsAppliedMinor],
      ['Total', invoice.totalMinor],
      ['Amount due', invoice.amountDueMinor],
    ];
    for (const [label, amount] of totals) {
      const font = label === 'Total' || label === 'Amount due' ? bold : regular;
      right(label, cols.unit, { font });
      right(money(amount), cols.amount, { font });
      newline();
    }
    if (invoice.creditCarriedMinor > 0) {
      right('Carried to your credit balance', cols.unit);
      right(money(invoice.creditCarriedMinor), cols.amount);
      newline();
    }
    return doc.save();
  }
}
