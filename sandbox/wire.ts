/**
 * AWS wire formats, both directions: recognising which service and operation an SDK request is for, and encoding
 * answers (results and errors) exactly as AWS does, so the SDK raises the same exception classes as against AWS.
 *
 * Protocols in play (AWS SDK v3 as pinned here):
 * - awsJson1_1: Organizations, Cost Explorer, CloudTrail. Operation in `X-Amz-Target`, errors `{"__type", "Message"}`.
 * - awsQuery: STS, IAM. Form body `Action=...`, XML results, errors `<ErrorResponse><Error><Code>`.
 * - restJson1: Account Management (`POST /putAlternateContact`), errors named by the `x-amzn-ErrorType` header.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

export type Protocol = 'json' | 'query' | 'restJson';

/** One decoded AWS API call. */
export interface AwsRequest {
  service: string;
  operation: string;
  protocol: Protocol;
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
  /** Access key id from the SigV4 Authorization header (undefined when unsigned). */
  accessKeyId?: string;
  /** awsJson / restJson body, parsed (empty object when the body is empty or not JSON). */
  json: Record<string, unknown>;
  /** awsQuery form parameters. */
  query: URLSearchParams;
  /** The STS global endpoint is modelled as any path under `/global-sts`. */
  globalEndpoint: boolean;
  requestId: string;
}

/** A complete HTTP answer, ours or moto's. */
export interface Reply {
  status: number;
  headers: Record<string, string>;
  body: Buffer | string;
}

const JSON_TARGET_PREFIXES: Record<string, string> = {
  AWSOrganizationsV20161128: 'organizations',
  AWSInsightsIndexService: 'ce',
  'com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101': 'cloudtrail',
};

/** `Credential=AKID/20240101/us-east-1/sts/aws4_request` -> { accessKeyId, service }. */
export function parseAuthorization(header: string | undefined): { accessKeyId?: string; service?: string } {
  const match = /Credential=([^/,\s]+)\/\d{8}\/[^/]+\/([^/]+)\/aws4_request/.exec(header ?? '');
  return match ? { accessKeyId: match[1], service: match[2] } : {};
}

function upperFirst(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

export function decodeRequest(method: string, rawPath: string, headers: IncomingHttpHeaders, body: Buffer): AwsRequest {
  const path = rawPath || '/';
  const auth = parseAuthorization(headers.authorization);
  const target = typeof headers['x-amz-target'] === 'string' ? headers['x-amz-target'] : undefined;
  const contentType = String(headers['content-type'] ?? '');
  const text = body.toString('utf8');
  const base = {
    method,
    path,
    headers,
    body,
    accessKeyId: auth.accessKeyId,
    globalEndpoint: path.startsWith('/global-sts'),
    requestId: randomUUID(),
  };
  if (target) {
    const dot = target.lastIndexOf('.');
    const prefix = target.slice(0, dot);
    return {
      ...base,
      service: JSON_TARGET_PREFIXES[prefix] ?? auth.service ?? 'unknown',
      operation: target.slice(dot + 1),
      protocol: 'json',
      json: parseJsonObject(text),
      query: new URLSearchParams(),
    };
  }
  const queryString = path.includes('?') ? path.slice(path.indexOf('?') + 1) : '';
  if (contentType.includes('x-www-form-urlencoded') || /(^|&)Action=/.test(queryString)) {
    const query = new URLSearchParams(contentType.includes('x-www-form-urlencoded') ? text : queryString);
    return {
      ...base,
      service: auth.service ?? 'unknown',
      operation: query.get('Action') ?? 'Unknown',
      protocol: 'query',
      json: {},
      query,
    };
  }
  const firstSegment = path.split('?')[0].split('/').filter(Boolean)[0] ?? '';
  return {
    ...base,
    service: auth.service ?? 'unknown',
    operation: upperFirst(firstSegment) || 'Unknown',
    protocol: 'restJson',
    json: parseJsonObject(text),
    query: new URLSearchParams(queryString),
  };
}

function parseJsonObject(text: string): Record<string, unknown> {
  if (!text.trim()) return {};
  try {
    const value: unknown = JSON.parse(text);
    return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

// ---------------------------------------------------------------------------------------------------------------
// awsJson1_1

export function jsonResult(req: Pick<AwsRequest, 'requestId'>, body: unknown, status = 200): Reply {
  return {
    status,
    headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': req.requestId },
    body: JSON.stringify(body ?? {}),
  };
}

/**
 * `{"__type": "ConstraintViolationException", "Message": "...", "Reason": "..."}`. AWS Organizations sends the
 * modelled `Message` member; the SDK copies it to `err.message`.
 */
export function jsonError(
  req: Pick<AwsRequest, 'requestId'>,
  type: string,
  message: string,
  status = 400,
  extra: Record<string, unknown> = {},
): Reply {
  return {
    status,
    headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': req.requestId },
    body: JSON.stringify({ __type: type, Message: message, ...extra }),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// restJson1

export function restJsonError(req: Pick<AwsRequest, 'requestId'>, type: string, message: string, status: number): Reply {
  return {
    status,
    headers: {
      'content-type': 'application/json',
      'x-amzn-requestid': req.requestId,
      'x-amzn-errortype': type,
    },
    body: JSON.stringify({ message }),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// awsQuery (XML)

export const XMLNS: Record<string, string> = {
  sts: 'https://sts.amazonaws.com/doc/2011-06-15/',
  iam: 'https://iam.amazonaws.com/doc/2010-05-08/',
};

export function escapeXml(value: string): string {
  return value.replace(/[<>&'"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c]!);
}

/** A pre-rendered XML fragment, inserted verbatim by `toXml` (e.g. IAM's `SummaryMap` entries). */
export class RawXml {
  constructor(readonly xml: string) {}
}

/**
 * Renders a value the way awsQuery does: objects become nested elements, arrays become `<member>` lists, Dates
 * ISO-8601, undefined members are left out.
 */
export function toXml(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (value instanceof RawXml) return value.xml;
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map((v) => `<member>${toXml(v)}</member>`).join('');
  if (typeof value === 'object') {
    return Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined && v !== null)
      .map(([k, v]) => `<${k}>${toXml(v)}</${k}>`)
      .join('');
  }
  return escapeXml(String(value));
}

export function queryResult(req: Pick<AwsRequest, 'requestId' | 'service' | 'operation'>, result?: unknown): Reply {
  const op = req.operation;
  const xmlns = XMLNS[req.service] ?? '';
  const resultXml = result === undefined ? '' : `<${op}Result>${toXml(result)}</${op}Result>`;
  return {
    status: 200,
    headers: { 'content-type': 'text/xml', 'x-amzn-requestid': req.requestId },
    body:
      `<${op}Response xmlns="${xmlns}">${resultXml}` +
      `<ResponseMetadata><RequestId>${req.requestId}</RequestId></ResponseMetadata></${op}Response>`,
  };
}

export function queryError(
  req: Pick<AwsRequest, 'requestId' | 'service'>,
  code: string,
  message: string,
  status = 400,
  type: 'Sender' | 'Receiver' = status >= 500 ? 'Receiver' : 'Sender',
): Reply {
  const xmlns = XMLNS[req.service] ?? '';
  return {
    status,
    headers: { 'content-type': 'text/xml', 'x-amzn-requestid': req.requestId },
    body:
      `<ErrorResponse xmlns="${xmlns}"><Error><Type>${type}</Type><Code>${escapeXml(code)}</Code>` +
      `<Message>${escapeXml(message)}</Message></Error><RequestId>${req.requestId}</RequestId></ErrorResponse>`,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Protocol-neutral errors used by throttling and fault injection

/** The throttling error each service really answers with. */
export function throttleReply(req: AwsRequest): Reply {
  switch (req.service) {
    case 'organizations':
      return jsonError(req, 'TooManyRequestsException', 'Rate exceeded', 400, { Type: 'RequestThrottled' });
    case 'ce':
      return jsonError(req, 'LimitExceededException', 'Rate exceeded', 400);
    case 'cloudtrail':
      return jsonError(req, 'ThrottlingException', 'Rate exceeded', 400);
    case 'account':
      return restJsonError(req, 'TooManyRequestsException', 'Rate exceeded', 429);
    default:
      return req.protocol === 'query'
        ? queryError(req, 'Throttling', 'Rate exceeded', 400)
        : jsonError(req, 'ThrottlingException', 'Rate exceeded', 400);
  }
}

/** A transient server-side failure: 500 InternalFailure or 503 ServiceUnavailable. */
export function serverErrorReply(req: AwsRequest, unavailable: boolean): Reply {
  const [code, status, message] = unavailable
    ? ['ServiceUnavailable', 503, 'Service is unavailable. Please retry.']
    : ['InternalFailure', 500, 'The request processing has failed because of an unknown error, exception or failure.'];
  if (req.protocol === 'query') return queryError(req, code, message, status, 'Receiver');
  if (req.protocol === 'restJson') return restJsonError(req, code, message, status);
  return jsonError(req, code, message, status);
}

/** Epoch seconds, as awsJson encodes timestamps. */
export function epochSeconds(ms: number): number {
  return Math.round(ms) / 1000;
}
