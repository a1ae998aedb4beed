import { httpHandler, ok } from '../../kernel/http/http-handler';
import { putBillingSettings } from '../app/billing-settings';
import { deps } from '../compose';
import { INVOICING_CONTRACT } from '../contract';
import { encodeSettings } from './encode';

export const handler = httpHandler(INVOICING_CONTRACT, 'putBillingSettings', async ({ params, body, ctx }) =>
  ok(
    encodeSettings(
      await putBillingSettings(deps(), ctx, params.org, {
        ...(body.legal_name ? { legalName: body.legal_name } : {}),
        ...(body.address
          ? {
              address: {
                line1: body.address.line1,
                ...(body.address.line2 ? { line2: body.address.line2 } : {}),
                city: body.address.city,
                ...(body.address.state ? { state: body.address.state } : {}),
                ...(body.address.postal_code ? { postalCode: body.address.postal_code } : {}),
                country: body.address.country,
              },
            }
          : {}),
        taxIds: body.tax_ids ?? [],
        ...(body.memo ? { memo: body.memo } : {}),
        ...(body.invoice_prefix ? { invoicePrefix: body.invoice_prefix } : {}),
        invoiceThresholdMinor: body.invoice_threshold_minor ?? null,
        netDays: body.net_days ?? 0,
      }),
    ),
  ),
);
