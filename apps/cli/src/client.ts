import type { z } from 'zod';

/** The API refused or failed a request: its error code and message, as the API said them. */
export class ApiFailure extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(`${message} (${status} ${code})`);
  }
}

/** A small client of the HTTP API: every answer is checked against its contract schema. */
export class ApiClient {
  private constructor(
    private readonly base: string,
    private readonly auth: Record<string, string>,
  ) {}

  /** FIXLIFY_API_URL and FIXLIFY_API_KEY, or FIXLIFY_EMAIL + FIXLIFY_PASSWORD (a sign-in whose session cookie the client then sends). */
  static async fromEnv(env: NodeJS.ProcessEnv): Promise<ApiClient> {
    const base = (env.FIXLIFY_API_URL ?? 'http://127.0.0.1:8080').replace(/\/+$/, '');
    if (env.FIXLIFY_API_KEY) return new ApiClient(base, { authorization: `Bearer ${env.FIXLIFY_API_KEY}` });
    if (env.FIXLIFY_EMAIL && env.FIXLIFY_PASSWORD) {
      const res = await fetch(`${base}/api/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: env.FIXLIFY_EMAIL, password: env.FIXLIFY_PASSWORD }),
      }).catch((e: unknown) => {
        throw new Error(`cannot reach the API at ${base}: ${e instanceof Error ? e.message : String(e)} (is \`npm start\` running? FIXLIFY_API_URL?)`);
      });
      if (!res.ok) throw await failure(res);
      const cookie = res.headers
        .getSetCookie()
        .map((c) => c.split(';')[0])
        .join('; ');
      return new ApiClient(base, { cookie });
    }
    throw new Error('set FIXLIFY_API_KEY (an API key) or FIXLIFY_EMAIL and FIXLIFY_PASSWORD');
  }

  get<S extends z.ZodType>(path: string, schema: S): Promise<z.infer<S>> {
    return this.request('GET', path, undefined, schema);
  }

  post<S extends z.ZodType>(path: string, body: unknown, schema: S): Promise<z.infer<S>> {
    return this.request('POST', path, body, schema);
  }

  private async request<S extends z.ZodType>(method: string, path: string, body: unknown, schema: S): Promise<z.infer<S>> {
    const res = await fetch(`${this.base}${path}`, {
      method,
      headers: { ...this.auth, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    }).catch((e: unknown) => {
      throw new Error(`cannot reach the API at ${this.base}: ${e instanceof Error ? e.message : String(e)}`);
    });
    if (!res.ok) throw await failure(res);
    const parsed = schema.safeParse(await res.json());
    if (!parsed.success) throw new Error(`the API answered ${method} ${path} with an unexpected shape: ${parsed.error.message}`);
    return parsed.data;
  }
}

const failure = async (res: Response): Promise<ApiFailure> => {
  const text = await res.text();
  try {
    const b = JSON.parse(text) as { code?: string; message?: string };
    return new ApiFailure(res.status, b.code ?? 'error', b.message ?? text);
  } catch {
    return new ApiFailure(res.status, 'error', text.slice(0, 500));
  }
};
