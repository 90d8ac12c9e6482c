import { parse as parseDate, isValid } from 'date-fns';
import { ValidationError, type FieldProblem } from '@memfabric/errors';
import { derivedEventId, type EventEnvelope, type InteractionRecorded } from '@memfabric/events';

/**
 * Reading the LoCoMo benchmark layout (Maharana et al., "Evaluating Very Long-Term
 * Conversational Memory of LLM Agents", ACL 2024; snap-research/LoCoMo `data/locomo10.json`):
 * a JSON array of conversations, each with `sample_id`, `conversation` (`speaker_a`,
 * `speaker_b`, `session_N_date_time`, `session_N` = list of turns) and `qa`.
 */

/** One dialog turn as the file holds it. */
export interface LocomoTurn {
  readonly speaker: string;
  readonly dia_id: string;
  readonly text: string;
  readonly img_url?: readonly string[];
  readonly blip_caption?: string;
  readonly query?: string;
}

/** One question with its evidence turns. */
export interface LocomoQuestion {
  readonly question: string;
  readonly answer?: unknown;
  readonly adversarial_answer?: unknown;
  readonly evidence: readonly string[];
  readonly category: number;
}

/** A session of a conversation, in file order. */
export interface LocomoSession {
  /** The key as in the file: `session_1`, `session_2`, ... */
  readonly key: string;
  /** Session start as an RFC 3339 UTC timestamp. */
  readonly time: string;
  readonly turns: readonly LocomoTurn[];
}

/** A conversation, checked and with its sessions in numeric order. */
export interface LocomoConversation {
  readonly sampleId: string;
  readonly speakers: readonly [string, string];
  readonly sessions: readonly LocomoSession[];
  readonly questions: readonly LocomoQuestion[];
}

const SESSION_KEY = /^session_(\d+)$/;
const DATE_FORMAT = "h:mm a 'on' d MMMM, yyyy";

/**
 * Parses a LoCoMo session date such as `1:56 pm on 8 May, 2023`. The file has no time zone;
 * the wall-clock time is taken as UTC.
 * @returns RFC 3339 UTC timestamp, or undefined when the text does not parse.
 */
export function parseLocomoDate(text: string): string | undefined {
  const local = parseDate(text.trim().replace(/\b(am|pm)\b/i, (m) => m.toUpperCase()), DATE_FORMAT, new Date(0));
  if (!isValid(local)) return undefined;
  return new Date(
    Date.UTC(local.getFullYear(), local.getMonth(), local.getDate(), local.getHours(), local.getMinutes()),
  ).toISOString();
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Checks a parsed LoCoMo file and returns its conversations.
 * Session keys whose `_date_time` exists but whose turns do not are ignored (a known quirk of
 * the published file).
 * @param requireQuestions - also require a non-empty `qa` list (evaluation needs it).
 * @throws ValidationError naming each problem (by JSON Pointer) when the layout is wrong: not
 *   an array, a conversation without sessions, a session without a parseable date, a malformed turn.
 */
export function readLocomo(input: unknown, options: { requireQuestions?: boolean } = {}): LocomoConversation[] {
  if (!Array.isArray(input)) {
    throw new ValidationError('a LoCoMo file is a JSON array of conversations', [{ pointer: '/', detail: 'must be an array' }]);
  }
  const problems: FieldProblem[] = [];
  const conversations: LocomoConversation[] = [];
  input.forEach((item: unknown, i) => {
    const at = `/${i}`;
    if (!isRecord(item) || typeof item.sample_id !== 'string' || !isRecord(item.conversation)) {
      problems.push({ pointer: at, detail: 'must be an object with a string sample_id and a conversation object' });
      return;
    }
    const conv = item.conversation;
    const sessions: LocomoSession[] = [];
    const keys = Object.keys(conv)
      .map((k) => ({ key: k, n: Number(SESSION_KEY.exec(k)?.[1] ?? NaN) }))
      .filter((k) => Number.isInteger(k.n))
      .sort((a, b) => a.n - b.n);
    for (const { key } of keys) {
      const turns = conv[key];
      const dateText = conv[`${key}_date_time`];
      if (!Array.isArray(turns)) {
        problems.push({ pointer: `${at}/conversation/${key}`, detail: 'must be an array of turns' });
        continue;
      }
      const time = typeof dateText === 'string' ? parseLocomoDate(dateText) : undefined;
      if (!time) {
        problems.push({ pointer: `${at}/conversation/${key}_date_time`, detail: `must be a date like "1:56 pm on 8 May, 2023", got ${JSON.stringify(dateText)}` });
        continue;
      }
      turns.forEach((turn: unknown, j) => {
        if (!isRecord(turn) || typeof turn.speaker !== 'string' || typeof turn.dia_id !== 'string' || typeof turn.text !== 'string') {
          problems.push({ pointer: `${at}/conversation/${key}/${j}`, detail: 'a turn needs string speaker, dia_id and text' });
        }
      });
      sessions.push({ key, time, turns: turns as LocomoTurn[] });
    }
    if (keys.length === 0) problems.push({ pointer: `${at}/conversation`, detail: 'has no session_N turns' });
    const qa = item.qa;
    if (qa !== undefined && !Array.isArray(qa)) problems.push({ pointer: `${at}/qa`, detail: 'must be an array' });
    if (options.requireQuestions && (!Array.isArray(qa) || qa.length === 0)) problems.push({ pointer: `${at}/qa`, detail: 'has no questions' });
    conversations.push({
      sampleId: item.sample_id,
      speakers: [typeof conv.speaker_a === 'string' ? conv.speaker_a : '', typeof conv.speaker_b === 'string' ? conv.speaker_b : ''],
      sessions,
      questions: Array.isArray(qa) ? (qa as LocomoQuestion[]) : [],
    });
  });
  if (problems.length > 0) throw new ValidationError(`not a valid LoCoMo file: ${problems[0]!.pointer} ${problems[0]!.detail}`, problems);
  return conversations;
}

/** Options of {@link locomoEvents}. */
export interface LocomoEventOptions {
  /** Tenant for every conversation; default each conversation's `sample_id`. */
  readonly tenant?: string;
}

/**
 * Turns conversations into interaction.recorded events, one per dialog turn, in file order:
 * tenant = `sample_id` (or `options.tenant`), stream = session key, actor and data subject =
 * the speaker, world time = the session's date and time (turns keep their order through
 * their stream position), subject and `sourceref` = the `dia_id`, an image's caption kept in
 * the content and as an attachment. The idempotency key `locomo:<sample_id>:<dia_id>` makes
 * a re-import append nothing, and the event id is derived from it (the UUIDv5 of the tenant and
 * key, `derivedEventId`), so two imports of the same file write the same log. Image links are kept; inline `data:` images are not (the caption is).
 */
export function* locomoEvents(conversations: readonly LocomoConversation[], options: LocomoEventOptions = {}): Generator<EventEnvelope> {
  for (const conversation of conversations) {
    for (const session of conversation.sessions) {
      for (const turn of session.turns) {
        const caption = turn.blip_caption?.trim();
        const data: InteractionRecorded = {
          kind: 'message',
          role: 'user',
          content: caption ? `${turn.text} [shared an image: ${caption}]` : turn.text,
          speaker: turn.speaker,
          sourceref: turn.dia_id,
        };
        if (caption || turn.img_url?.length) {
          const attachment: NonNullable<InteractionRecorded['attachments']>[number] = { mediatype: 'image/jpeg' };
          // Only links are kept: a few turns inline the image bytes as a `data:` URI.
          const url = turn.img_url?.find((u) => /^https?:\/\//i.test(u));
          if (url) attachment.url = url;
          if (caption) attachment.caption = caption;
          if (turn.query) attachment.query = turn.query;
          data.attachments = [attachment];
        }
        const tenantid = options.tenant ?? conversation.sampleId;
        const idempotencykey = `locomo:${conversation.sampleId}:${turn.dia_id}`;
        yield {
          id: derivedEventId(`${tenantid}\n${idempotencykey}`),
          source: 'urn:memfabric:import:locomo',
          type: 'interaction.recorded',
          subject: turn.dia_id,
          time: session.time,
          tenantid,
          streamid: session.key,
          actor: turn.speaker,
          datasubject: turn.speaker,
          idempotencykey,
          data: data as unknown as EventEnvelope['data'],
        };
      }
    }
  }
}
