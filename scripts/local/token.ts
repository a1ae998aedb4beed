import { parseArgs } from 'node:util';
import { ROLES, type Role } from '../../functions/routes';
import { loadOrCreateDevKeys, mintToken } from './dev-auth';

/** `npm run token -- --org <id> --role <role> [--sub <id>] [--ttl <seconds>]`: a dev token for the local stack. */
const { values } = parseArgs({
  options: {
    org: { type: 'string' },
    role: { type: 'string', default: 'owner' },
    sub: { type: 'string' },
    ttl: { type: 'string', default: String(12 * 3600) },
    'data-dir': { type: 'string', default: '.data' },
  },
});

async function main() {
  const role = values.role as Role;
  if (!ROLES.includes(role)) throw new Error(`--role must be one of ${ROLES.join(', ')}`);
  if (role !== 'platform' && !values.org) throw new Error('--org is required for every role but platform');
  const keys = await loadOrCreateDevKeys(`${values['data-dir']}/dev-keys`);
  const sub = values.sub ?? `user_${role}${values.org ? `@${values.org}` : ''}`;
  const token = await mintToken(keys, { sub, role, ...(values.org ? { org_id: values.org } : {}) }, Number(values.ttl));
  process.stdout.write(`${token}\n`);
}

main().catch((error: Error) => {
  process.stderr.write(`token: ${error.message}\n`);
  process.exit(1);
});
