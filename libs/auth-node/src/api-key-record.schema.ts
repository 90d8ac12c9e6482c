import { z } from 'zod';
import { API_KEY_ID_LENGTH, SCOPES, type ApiKeyRecord } from '@memfabric/auth';

/** Longest label of a key, characters. */
export const MAX_LABEL_LENGTH = 256;

/** RFC 3339 date-time with a `Z` or numeric offset. */
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

/** Zod schema of one {@link ApiKeyRecord} (unknown fields are refused, so a misspelt field is reported). */
export const apiKeyRecordSchema = z
  .object({
    id: z.string().regex(new RegExp(`^[a-z0-9]{${API_KEY_ID_LENGTH}}$`), `must be ${API_KEY_ID_LENGTH} characters of [a-z0-9]`),
    secretHash: z.string().regex(/^[0-9a-f]{64}$/, 'must be the lowercase hex SHA-256 of the secret (64 characters)'),
    tenants: z.array(z.string().min(1, 'must not be empty')).min(1, 'must name at least one tenant'),
    scopes: z.array(z.enum(SCOPES, { error: `must be one of ${SCOPES.join(', ')}` })).min(1, 'must name at least one scope'),
    label: z.string().max(MAX_LABEL_LENGTH, `must be at most ${MAX_LABEL_LENGTH} characters`).optional(),
    createdAt: z.string().regex(RFC3339, 'must be an RFC 3339 date-time'),
    revokedAt: z.string().regex(RFC3339, 'must be an RFC 3339 date-time').optional(),
  })
  .strict();

/** One problem as `path: message` (`keys[2].scopes[0]: must be one of ...`). */
export function describeIssue(issue: z.core.$ZodIssue, prefix = ''): string {
  const where = issue.path.reduce<string>(
    (text, part) => (typeof part === 'number' ? `${text}[${part}]` : text === '' ? String(part) : `${text}.${String(part)}`),
    prefix,
  );
  return where === '' ? issue.message : `${where}: ${issue.message}`;
}

/** A record without `undefined`-valued optional fields (what the stores return). */
export function compactRecord(record: ApiKeyRecord): ApiKeyRecord {
  return {
    id: record.id,
    secretHash: record.secretHash,
    tenants: [...record.tenants],
    scopes: [...record.scopes],
    ...(record.label === undefined ? {} : { label: record.label }),
    createdAt: record.createdAt,
    ...(record.revokedAt === undefined ? {} : { revokedAt: record.revokedAt }),
  };
}
