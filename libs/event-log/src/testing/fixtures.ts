import { normalizeEvent, type NewEvent } from '@memfabric/events';

let counter = 0;

/** A tenant id no other test uses. */
export function uniqueTenant(prefix = 't'): string {
  counter += 1;
  return `${prefix}-${Date.now().toString(36)}-${counter}-${Math.random().toString(36).slice(2, 8)}`;
}

/** A valid interaction.recorded event (current schema) with overridable attributes. */
export function interaction(
  tenantid: string,
  streamid: string,
  content: string,
  overrides: Partial<Omit<NewEvent, 'data'>> & { data?: Record<string, unknown> } = {},
): NewEvent {
  return normalizeEvent({
    source: 'urn:memfabric:test',
    type: 'interaction.recorded',
    time: '2023-05-08T13:56:00.000Z',
    tenantid,
    streamid,
    actor: 'caroline',
    data: { kind: 'message', role: 'user', content },
    ...overrides,
  });
}
