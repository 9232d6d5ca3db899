// GoDaddy-shaped error bodies. Codes and messages are the real ones where the API doc quotes a
// recorded response; the rest ([unverified] in the doc) follow the same `{code, message,
// fields?}` shape so a client's parser is exercised the same way.

/** One entry of an error's `fields` array. */
export interface ErrorField {
  code: string;
  message: string;
  path: string;
}

/** A response the handlers return; `api.ts` serialises it. */
export interface ApiReply {
  status: number;
  /** JSON body (serialised sorted + "\n"), a string sent as is, or undefined for an empty body. */
  body?: unknown;
  headers?: Record<string, string>;
}

export const SCHEMA_MESSAGE = "Request body doesn't fulfill schema, see details in `fields`";

export const DOMAIN_PATTERN = /^[^.]{1,63}(\.[^.]{1,63})+$/;

export function reply(status: number, body?: unknown): ApiReply {
  return body === undefined ? { status } : { status, body };
}

/**
 * Sent as a preformatted string: the real 401 is 98 bytes (certbot-dns-godaddy #49 logs
 * `401 98`), i.e. without the trailing newline every other GoDaddy body has.
 */
export const unauthenticated = (): ApiReply =>
  reply(401, JSON.stringify({ code: 'UNABLE_TO_AUTHENTICATE', message: 'Unauthorized : Could not authenticate API key/secret' }));

export const accessDenied = (): ApiReply =>
  reply(403, { code: 'ACCESS_DENIED', message: 'Authenticated user is not allowed access' });

export const unknownDomain = (): ApiReply =>
  reply(404, { code: 'UNKNOWN_DOMAIN', message: 'The given domain is not registered, or does not have a zone file' });

export const domainNotFound = (domain: string): ApiReply =>
  reply(404, { code: 'NOT_FOUND', message: `Domain ${domain} not found for shopper` });

export const routeNotFound = (): ApiReply =>
  reply(404, { code: 'NOT_FOUND', message: 'The requested resource was not found' });

export const recordsNotFound = (type: string, name: string): ApiReply =>
  reply(404, { code: 'NOT_FOUND', message: `No ${type} records found for name ${name}` });

export const inactiveDomain = (): ApiReply =>
  reply(409, { code: 'INACTIVE_DOMAIN', message: 'The given domain is not eligible to have its records changed' });

/** S7 busy zone. The real body is unknown [unverified]; the code is empty on purpose. */
export const zoneBusy = (answer: '409' | '422' = '409'): ApiReply => (answer === '422'
  // The third-party report quotes only the message; the code is left empty here too.
  ? reply(422, { code: '', message: 'Resource is being used in another request' })
  : reply(409, { code: '', message: 'The zone is being updated by another request; try again later' }));

/** A missing or malformed Authorization header with the `malformedAuth: '400'` switch (shape invented). */
export const malformedCredentials = (): ApiReply =>
  reply(400, { code: 'MALFORMED_CREDENTIALS', message: 'Authorization header is not of the form sso-key <key>:<secret>' });

/** 422 INVALID_BODY with the given field errors (the schema-validator shape). */
export const invalidBody = (fields: ErrorField[], status = 422): ApiReply =>
  reply(status, { code: 'INVALID_BODY', fields, message: SCHEMA_MESSAGE });

export const notJson = (status: number): ApiReply =>
  reply(status, { code: 'INVALID_BODY', message: 'Request body is not valid JSON' });

export const domainFormat = (path: string): ApiReply =>
  invalidBody([
    {
      code: 'MISMATCH_FORMAT',
      message: `does not conform to the 'domain' format, based on pattern: /${DOMAIN_PATTERN.source}/`,
      path,
    },
  ]);

/** INVALID_RECORDS as seen for bad record data (godaddypy #21): fields plus an `errors` array. */
export const invalidRecords = (messages: string[]): ApiReply =>
  reply(422, {
    code: 'INVALID_RECORDS',
    errors: messages,
    fields: messages.map((message) => ({ code: 'INVALID_RECORDS', message, path: 'records' })),
    message: 'One or more of the given records is invalid',
  });

export const duplicateRecord = (): ApiReply =>
  reply(422, { code: 'DUPLICATE_RECORD', message: 'Another record with the same attributes already exists' });
