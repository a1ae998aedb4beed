import { forbidden } from '../../kernel/errors';
import { httpHandler, ok } from '../../kernel/http/http-handler';
import { type TransitionInput, transitionContract } from '../app/transition-contract';
import { deps } from '../compose';
import { CONTRACTS_CONTRACT } from '../contract';
import { encodeContract, termsFromWire } from './encode';

/** The platform (the vendor's sales operations) may submit a contract for signature; only the org signs and ends it. */
export const handler = httpHandler(
  CONTRACTS_CONTRACT,
  'transitionContract',
  async ({ params, body, ctx, principal }) => {
    if (principal.role === 'platform' && body.action !== 'submit') {
      throw forbidden(
        'forbidden',
        'the platform may draft, edit and submit contracts; the org signs, amends and ends them',
      );
    }
    const input: TransitionInput =
      body.action === 'sign'
        ? { action: 'sign', signatory: body.signatory }
        : body.action === 'terminate'
          ? { action: 'terminate', effectiveAt: new Date(body.effective_at), reason: body.reason }
          : body.action === 'amend'
            ? {
                action: 'amend',
                effectiveAt: new Date(body.effective_at),
                ...(body.changes ? { changes: termsFromWire(body.changes) } : {}),
              }
            : { action: body.action };
    return ok(encodeContract(await transitionContract(deps(), ctx, params.org, params.id, input)));
  },
);
