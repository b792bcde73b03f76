import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * The few parts of Express's request and response the API uses (express 5 via
 * @nestjs/platform-express; its type package is not installed).
 */
export interface Request extends IncomingMessage {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  /** the client's address (X-Forwarded-For only when API_TRUST_PROXY trusts the peer) */
  ip?: string;
  protocol?: string;
}

export interface CookieOptions {
  httpOnly?: boolean;
  sameSite?: 'lax' | 'strict' | 'none';
  secure?: boolean;
  path?: string;
  maxAge?: number;
}

export interface Response extends ServerResponse {
  status(code: number): this;
  json(body: unknown): this;
  type(type: string): this;
  send(body: unknown): this;
  sendFile(path: string): void;
  cookie(name: string, value: string, options: CookieOptions): this;
  clearCookie(name: string, options: CookieOptions): this;
}

export type NextFunction = (err?: unknown) => void;
