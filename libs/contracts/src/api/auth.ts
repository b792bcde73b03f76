import { z } from 'zod';
import { Id, Timestamp } from './common';

/** What a member or an API key may do: viewers read, editors change workflows, owners manage keys and accounts. */
export const ROLES = ['viewer', 'editor', 'owner'] as const;
export const Role = z.enum(ROLES);
export type Role = z.infer<typeof Role>;

/** POST /api/auth/login */
export const LoginBody = z.object({ email: z.string().trim().toLowerCase().email().max(320), password: z.string().min(1).max(500) }).strict();
export type LoginBody = z.infer<typeof LoginBody>;

export const SignedInUser = z.object({ id: Id, email: z.string(), name: z.string(), role: Role });
export type SignedInUser = z.infer<typeof SignedInUser>;

export const LoginResponse = z.object({ user: SignedInUser, organization: z.object({ id: Id, name: z.string() }) });
export type LoginResponse = z.infer<typeof LoginResponse>;

/** GET /api/auth/me: who is calling (a signed-in user, or an API key: user null) */
export const Me = z.object({
  organization: z.object({ id: Id, name: z.string(), time_zone: z.string() }).nullable(),
  role: Role,
  user: SignedInUser.nullable(),
  apiKeyId: Id.nullable(),
});
export type Me = z.infer<typeof Me>;

/** POST /api/api-keys */
export const CreateApiKeyBody = z
  .object({
    name: z.string().trim().min(1).max(100),
    role: Role.default('editor'),
    /** when the key stops working (refused with 401 from then on); none: until revoked */
    expiresAt: z.iso
      .datetime({ offset: true })
      .refine((v) => Date.parse(v) > Date.now(), 'must be in the future')
      .optional(),
  })
  .strict();
export type CreateApiKeyBody = z.infer<typeof CreateApiKeyBody>;

/** An API key as listed: its prefix, never the key */
export const ApiKey = z.object({
  id: Id,
  name: z.string(),
  prefix: z.string(),
  role: Role,
  lastUsedAt: Timestamp.nullable(),
  revokedAt: Timestamp.nullable(),
  expiresAt: Timestamp.nullable(),
  createdAt: Timestamp,
});
export type ApiKey = z.infer<typeof ApiKey>;

export const ApiKeyList = z.object({ items: z.array(ApiKey) });
export type ApiKeyList = z.infer<typeof ApiKeyList>;

/** The answer of POST /api/api-keys: the only time the key itself is shown */
export const CreatedApiKey = z.object({ id: Id, name: z.string(), role: Role, prefix: z.string(), expiresAt: Timestamp.nullable(), key: z.string() });
export type CreatedApiKey = z.infer<typeof CreatedApiKey>;
