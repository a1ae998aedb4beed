import { compositionRoot, type Kernel } from '../kernel/compose';
import type { RuntimeConfig } from '../kernel/config';
import { dependencyUnavailable } from '../kernel/errors';
import { FileNoticeSender } from './adapters/file-sender';
import { DynamoNoticeStore } from './adapters/notice-store';
import { SesNoticeSender } from './adapters/ses-sender';
import { DEFAULT_DELIVERY_POLICY } from './domain/notices';
import type { NoticeSender } from './ports';

/** Locally a file per message; on AWS, SES. Without either, notices stay pending (and visible). */
function noticeSenderFor(config: RuntimeConfig): NoticeSender {
  if (config.notificationsDir) return new FileNoticeSender(config.notificationsDir);
  if (config.sesFromAddress) return new SesNoticeSender(config.sesFromAddress, config.region);
  return {
    send: async () => {
      throw dependencyUnavailable('email_not_configured', 'no notice sender is configured');
    },
  };
}

/** The notices capability: billing contacts, the outbox (one store) and the sender that delivers it. */
export function buildNoticesDeps(k: Kernel) {
  const store = new DynamoNoticeStore(k.db, k.config.tableName, k.clock, k.ids, k.config.maxNoticesPerOrgPerDay);
  return {
    clock: k.clock,
    ids: k.ids,
    notices: store,
    contacts: store,
    noticeSender: noticeSenderFor(k.config),
    maxContactsPerOrg: k.config.maxContactsPerOrg,
    deliveryPolicy: DEFAULT_DELIVERY_POLICY,
  };
}
export type NoticesDeps = ReturnType<typeof buildNoticesDeps>;

export const { deps, buildDeps, setDepsForTesting } = compositionRoot(buildNoticesDeps);
