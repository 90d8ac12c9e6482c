/**
 * Normalising LoCoMo evidence ids (`qa[].evidence`) to the dialog turns of their conversation.
 *
 * The published file (snap-research/LoCoMo `data/locomo10.json`) has a few defects, documented
 * in the data README: an evidence string may hold several ids (`"D8:6; D9:17"`, or a
 * space-separated list), some ids are malformed (`"D:11:26"`, `"D30:05"`, a bare `"D"`) and a
 * few point at turns that do not exist. Scoring uses only ids that resolve to a turn; the rest
 * are dropped and counted.
 */

/** `D<session>:<turn>`, also with a stray colon after the `D` (`D:11:26`) and leading zeros (`D30:05`). */
const EVIDENCE_ID = /^D:?(\d+):(\d+)$/i;

/** Separators found between several ids in one evidence string: `;`, `,` and whitespace. */
const SEPARATORS = /[;,\s]+/;

/**
 * Splits one evidence string into its id tokens.
 * @example splitEvidence('D8:6; D9:17') // ['D8:6', 'D9:17']
 * @example splitEvidence('D1:2 D1:3')   // ['D1:2', 'D1:3']
 * @returns the non-empty tokens in order (not yet normalised).
 */
export function splitEvidence(raw: string): string[] {
  return raw.split(SEPARATORS).filter((token) => token !== '');
}

/**
 * The canonical form `D<session>:<turn>` of one evidence token (numbers without leading zeros).
 * @example canonicalEvidenceId('D:11:26') // 'D11:26'
 * @example canonicalEvidenceId('D30:05')  // 'D30:5'
 * @returns undefined when the token is no dialog-turn id at all (such as `D`).
 */
export function canonicalEvidenceId(token: string): string | undefined {
  const match = EVIDENCE_ID.exec(token.trim());
  if (!match) return undefined;
  return `D${Number(match[1])}:${Number(match[2])}`;
}

/** Why an evidence token was left out of scoring. */
export type DroppedReason = 'malformed' | 'no-such-turn';

/** One evidence token that resolved to no turn. */
export interface DroppedEvidenceId {
  /** The token as found (after splitting a multi-id string). */
  readonly token: string;
  /** The evidence string it came from, as in the file. */
  readonly raw: string;
  readonly reason: DroppedReason;
}

/** The outcome of resolving one question's evidence. */
export interface ResolvedEvidence {
  /** `dia_id`s of turns, as the turns spell them, each once, in evidence order. */
  readonly turns: readonly string[];
  readonly dropped: readonly DroppedEvidenceId[];
}

/**
 * Resolves evidence ids against the `dia_id`s of one conversation's turns.
 *
 * Each evidence string is split ({@link splitEvidence}); a token equal to a turn's `dia_id`
 * resolves to it; otherwise its canonical form ({@link canonicalEvidenceId}) is matched against
 * the canonical form of every turn id. Tokens that are no turn id, or name no turn of this
 * conversation, are dropped with a reason. Repeated ids count once.
 *
 * @param evidence - the question's `evidence` strings.
 * @param turnIds - every `dia_id` of the conversation.
 */
export class EvidenceResolver {
  private readonly exact: ReadonlySet<string>;
  private readonly byCanonical: ReadonlyMap<string, string>;

  constructor(turnIds: Iterable<string>) {
    const exact = new Set<string>();
    const byCanonical = new Map<string, string>();
    for (const id of turnIds) {
      exact.add(id);
      const canonical = canonicalEvidenceId(id);
      if (canonical !== undefined && !byCanonical.has(canonical)) byCanonical.set(canonical, id);
    }
    this.exact = exact;
    this.byCanonical = byCanonical;
  }

  /** Resolves one question's evidence strings; see the class documentation. */
  resolve(evidence: readonly string[]): ResolvedEvidence {
    const turns: string[] = [];
    const seen = new Set<string>();
    const dropped: DroppedEvidenceId[] = [];
    for (const raw of evidence) {
      for (const token of splitEvidence(raw)) {
        let turn: string | undefined;
        if (this.exact.has(token)) turn = token;
        else {
          const canonical = canonicalEvidenceId(token);
          if (canonical === undefined) {
            dropped.push({ token, raw, reason: 'malformed' });
            continue;
          }
          turn = this.byCanonical.get(canonical);
        }
        if (turn === undefined) dropped.push({ token, raw, reason: 'no-such-turn' });
        else if (!seen.has(turn)) {
          seen.add(turn);
          turns.push(turn);
        }
      }
    }
    return { turns, dropped };
  }
}
