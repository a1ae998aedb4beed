import { route } from './router';
import { expand, paginate } from './store';

/**
 * Events: `GET /v1/events/:id` and the list, filtered by `type` (a trailing `*` matches a family, e.g.
 * `charge.dispute.*`) or `types[]`, newest first.
 */
export const eventRoutes = [
  route('GET', '/v1/events/:id', (ctx) => expand(ctx.store, ctx.store.events.require(ctx.pathParams.id!), undefined)),
  route('GET', '/v1/events', (ctx) => {
    const type = ctx.params.string('type');
    const types = ctx.params.strings('types');
    const matches = (t: string) =>
      (!type || (type.endsWith('*') ? t.startsWith(type.slice(0, -1)) : t === type)) && (!types || types.includes(t));
    const items = ctx.store.events.newestFirst().filter((e) => matches(e.type));
    return paginate(items, ctx.params, '/v1/events');
  }),
];
