import { SanctumApiError } from './api-error.js';

export interface RequestOptions {
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  body?: unknown;
  /** Access token for `Authorization: Bearer`. */
  token?: string;
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

export interface HttpResponse<T> {
  status: number;
  headers: Headers;
  body: T;
}

/**
 * The one place the SDK talks HTTP: JSON in and out, errors turned into
 * SanctumApiError with the service's stable code. Works in Node (>= 20) and
 * browsers through the platform `fetch`.
 *
 * @example
 * const http = new HttpClient('http://127.0.0.1:4001');
 * const { body } = await http.request<{ status: string }>('/healthz');
 */
export class HttpClient {
  constructor(
    readonly baseUrl: string,
    private readonly fetchImpl: typeof fetch = globalThis.fetch.bind(globalThis),
  ) {}

  async request<T>(path: string, options: RequestOptions = {}): Promise<HttpResponse<T>> {
    const headers: Record<string, string> = { accept: 'application/json', ...options.headers };
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
    const response = await this.fetchImpl(new URL(path, this.baseUrl), {
      method: options.method ?? (options.body === undefined ? 'GET' : 'POST'),
      headers,
      ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
      ...(options.signal === undefined ? {} : { signal: options.signal }),
    });
    const text = await response.text();
    const parsed: unknown = text === '' ? undefined : safeJson(text);
    if (!response.ok) throw toApiError(response, parsed, text);
    return { status: response.status, headers: response.headers, body: parsed as T };
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function toApiError(response: Response, parsed: unknown, text: string): SanctumApiError {
  const retryAfter = response.headers.get('retry-after');
  const retryAfterS = retryAfter === null ? undefined : Number(retryAfter);
  const error = (parsed as { error?: { code?: unknown; message?: unknown; details?: unknown } } | undefined)?.error;
  if (error !== undefined && typeof error.code === 'string') {
    return new SanctumApiError(
      response.status,
      error.code,
      typeof error.message === 'string' ? error.message : error.code,
      typeof error.details === 'object' && error.details !== null ? (error.details as Record<string, unknown>) : undefined,
      retryAfterS,
    );
  }
  return new SanctumApiError(response.status, `HTTP_${response.status}`, text.slice(0, 200) || response.statusText, undefined, retryAfterS);
}
