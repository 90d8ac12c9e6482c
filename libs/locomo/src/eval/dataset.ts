import { MemfabricError, ValidationError, type FieldProblem } from '@memfabric/errors';
import { readLocomo, type LocomoConversation } from '../locomo.js';
import { EvidenceResolver, type DroppedEvidenceId } from './evidence.js';

/**
 * The evaluation view of a LoCoMo file: its conversations (to ingest) and its questions, each
 * with the turns its evidence resolves to and the reference time its time expressions resolve
 * against.
 */

/** Question categories of LoCoMo (Maharana et al., ACL 2024; numbering of the paper's evaluation code). */
export const LOCOMO_CATEGORIES: Readonly<Record<string, string>> = {
  '1': 'multi-hop',
  '2': 'temporal',
  '3': 'open-domain',
  '4': 'single-hop',
  '5': 'adversarial',
};

/** One question, ready to ask and score. */
export interface EvalQuestion {
  /** Conversation (`sample_id`), which is also the tenant it is asked in. */
  readonly sampleId: string;
  /** 0-based index in the conversation's `qa` list. */
  readonly index: number;
  readonly question: string;
  readonly category: number;
  /** `dia_id`s of the evidence turns (normalised, each once); empty when none resolved. */
  readonly evidence: readonly string[];
  /** Reference time (RFC 3339) for the question's time expressions: the conversation's last session. */
  readonly referenceTime: string;
}

/** An evidence id dropped from scoring, with the question it belonged to. */
export interface DroppedEvidence extends DroppedEvidenceId {
  readonly sampleId: string;
  /** 0-based index in the conversation's `qa` list. */
  readonly question: number;
}

/** A LoCoMo file checked and prepared for evaluation. */
export interface EvalDataset {
  readonly conversations: readonly LocomoConversation[];
  /** Every question of every conversation, in file order. */
  readonly questions: readonly EvalQuestion[];
  /** Questions with at least one resolved evidence turn: the ones scored. */
  readonly scored: readonly EvalQuestion[];
  /** Evidence ids that resolved to no turn. */
  readonly dropped: readonly DroppedEvidence[];
  /** Dialog turns over all conversations (events ingested). */
  readonly turns: number;
}

/** Most problems named in the message of the error {@link prepareLocomoEvaluation} throws. */
const MAX_PROBLEMS_IN_MESSAGE = 5;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Problems of the `qa` items and cross-conversation checks that {@link readLocomo} does not make. */
function questionProblems(input: readonly unknown[]): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const sampleIds = new Map<string, number>();
  input.forEach((item, i) => {
    if (!isRecord(item)) return;
    if (typeof item.sample_id === 'string') {
      if (item.sample_id.trim() === '') problems.push({ pointer: `/${i}/sample_id`, detail: 'must not be empty (it becomes the tenant)' });
      const first = sampleIds.get(item.sample_id);
      if (first !== undefined) problems.push({ pointer: `/${i}/sample_id`, detail: `repeats "${item.sample_id}" of /${first} (one tenant per conversation)` });
      else sampleIds.set(item.sample_id, i);
    }
    if (!Array.isArray(item.qa)) return;
    item.qa.forEach((qa: unknown, j) => {
      const at = `/${i}/qa/${j}`;
      if (!isRecord(qa)) {
        problems.push({ pointer: at, detail: 'must be an object with question, evidence and category' });
        return;
      }
      if (typeof qa.question !== 'string' || qa.question.trim() === '') problems.push({ pointer: `${at}/question`, detail: 'must be a non-empty string' });
      if (!Array.isArray(qa.evidence) || !qa.evidence.every((e) => typeof e === 'string')) {
        problems.push({ pointer: `${at}/evidence`, detail: 'must be an array of dia_id strings such as "D1:3"' });
      }
      if (!Number.isInteger(qa.category)) problems.push({ pointer: `${at}/category`, detail: 'must be an integer (1 multi-hop, 2 temporal, 3 open-domain, 4 single-hop, 5 adversarial)' });
    });
  });
  return problems;
}

function invalid(problems: readonly FieldProblem[]): ValidationError {
  const shown = problems.slice(0, MAX_PROBLEMS_IN_MESSAGE).map((p) => `${p.pointer} ${p.detail}`);
  const more = problems.length > MAX_PROBLEMS_IN_MESSAGE ? ` (and ${problems.length - MAX_PROBLEMS_IN_MESSAGE} more)` : '';
  return new ValidationError(`not a valid LoCoMo file: ${shown.join('; ')}${more}`, problems);
}

/**
 * Checks a parsed LoCoMo file for evaluation and prepares its questions.
 *
 * Beyond {@link readLocomo} (an array; each item with a string `sample_id`, a `conversation`
 * with `session_N` turns and parseable `session_N_date_time`; well-formed turns) it requires a
 * non-empty array, at least one turn per conversation, distinct non-empty `sample_id`s (each is
 * a tenant), a non-empty `qa` list per conversation, and per question a non-empty `question`,
 * an `evidence` array of strings and an integer `category`. Every problem found is reported,
 * by JSON Pointer, in one error.
 *
 * Evidence is resolved with {@link EvidenceResolver}; a question's reference time is the date
 * of its conversation's last session that has turns (sessions are in numeric order).
 *
 * @param input - the parsed JSON of the file.
 * @throws ValidationError whose `problems` name every defect (`/2/qa/7/category must be an integer ...`)
 *   and whose message names the first few.
 */
export function prepareLocomoEvaluation(input: unknown): EvalDataset {
  if (Array.isArray(input) && input.length === 0) {
    throw new ValidationError('not a valid LoCoMo file: / holds no conversations', [{ pointer: '/', detail: 'must hold at least one conversation' }]);
  }
  const problems: FieldProblem[] = [];
  let conversations: LocomoConversation[] = [];
  try {
    conversations = readLocomo(input, { requireQuestions: true });
  } catch (error) {
    if (!(MemfabricError.is(error) && error instanceof ValidationError)) throw error;
    if (!Array.isArray(input)) throw error;
    problems.push(...error.problems);
  }
  if (Array.isArray(input)) problems.push(...questionProblems(input));
  conversations.forEach((conversation, i) => {
    if (conversation.sessions.length > 0 && conversation.sessions.every((s) => s.turns.length === 0)) {
      problems.push({ pointer: `/${i}/conversation`, detail: 'has sessions but no turns' });
    }
  });
  if (problems.length > 0) throw invalid(problems);

  const questions: EvalQuestion[] = [];
  const dropped: DroppedEvidence[] = [];
  let turns = 0;
  for (const conversation of conversations) {
    const turnIds = conversation.sessions.flatMap((s) => s.turns.map((t) => t.dia_id));
    turns += turnIds.length;
    const resolver = new EvidenceResolver(turnIds);
    const last = conversation.sessions.filter((s) => s.turns.length > 0).at(-1);
    // Checked above: every conversation has a session with turns.
    const referenceTime = last!.time;
    conversation.questions.forEach((qa, index) => {
      const resolved = resolver.resolve(qa.evidence);
      for (const d of resolved.dropped) dropped.push({ ...d, sampleId: conversation.sampleId, question: index });
      questions.push({ sampleId: conversation.sampleId, index, question: qa.question, category: qa.category, evidence: resolved.turns, referenceTime });
    });
  }
  return { conversations, questions, scored: questions.filter((q) => q.evidence.length > 0), dropped, turns };
}
