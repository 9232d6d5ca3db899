// S3 routes. The template (e.g. `PUT /v1/domains/{domain}/records/{type}/{name}`) is what the
// rate limiter buckets on and what the request log shows.

export type RouteId =
  | 'domains.list'
  | 'domains.get'
  | 'records.getZone'
  | 'records.getType'
  | 'records.getTypeName'
  | 'records.replaceZone'
  | 'records.replaceType'
  | 'records.replaceTypeName'
  | 'records.add'
  | 'records.deleteTypeName';

export interface RouteMatch {
  id: RouteId;
  template: string;
  /** Percent-decoded path parameters. */
  domain: string;
  type: string;
  name: string;
}

const BASE = '/v1/domains';
const TABLE: Record<string, Partial<Record<string, RouteId>>> = {
  // key: number of segments after /v1/domains
  0: { GET: 'domains.list' },
  1: { GET: 'domains.get' },
  2: { GET: 'records.getZone', PUT: 'records.replaceZone', PATCH: 'records.add' },
  3: { GET: 'records.getType', PUT: 'records.replaceType' },
  4: { GET: 'records.getTypeName', PUT: 'records.replaceTypeName', DELETE: 'records.deleteTypeName' },
};
const TEMPLATE_TAIL = ['', '/{domain}', '/{domain}/records', '/{domain}/records/{type}', '/{domain}/records/{type}/{name}'];

/** The route for `method` and `pathname` (without query), or undefined. */
export function matchRoute(method: string, pathname: string): RouteMatch | undefined {
  if (pathname !== BASE && !pathname.startsWith(`${BASE}/`)) return undefined;
  let rest = pathname.slice(BASE.length);
  // `GET .../records/TXT/` (lego #2269) means the whole type: drop one trailing slash.
  if (rest.endsWith('/')) rest = rest.slice(0, -1);
  let params: string[];
  try {
    params = rest === '' ? [] : rest.slice(1).split('/').map(decodeURIComponent);
  } catch {
    return undefined;
  }
  if (params.length >= 2 && params[1] !== 'records') return undefined;
  if (params.some((p) => p === '')) return undefined;
  const id = TABLE[params.length]?.[method];
  if (id === undefined) return undefined;
  return {
    id,
    template: `${method} ${BASE}${TEMPLATE_TAIL[params.length] ?? ''}`,
    domain: params[0] ?? '',
    type: params[2] ?? '',
    name: params[3] ?? '',
  };
}
