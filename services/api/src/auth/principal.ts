import { ROLES, type Role } from '@fixlify/contracts';
import type { Request } from '../http/express-types';

export { ROLES, type Role };

/** Who is calling: every query is scoped to `organizationId`. */
export interface Principal {
  organizationId: string;
  role: Role;
  userId: string | null;
  apiKeyId: string | null;
  /** the user's e-mail or the key's name, for audit columns (created_by, published_by) */
  actor: string;
}

export const roleAtLeast = (role: Role, min: Role): boolean => ROLES.indexOf(role) >= ROLES.indexOf(min);

export type AuthedRequest = Request & { principal?: Principal };
