import { WeightedTable, type Prng } from './prng.js';

/**
 * Length distributions measured on the LoCoMo development split (`locomo-dev.json`: 5
 * conversations, 128 sessions, 2,760 turns; Maharana et al., "Evaluating Very Long-Term
 * Conversational Memory of LLM Agents", ACL 2024), so that synthetic turns have the lengths of
 * real conversational turns.
 *
 * Words are counted as whitespace-separated tokens of the turn's `text` (image captions not
 * included). Measured: mean 23.1 words, p10 10, p25 14, p50 20, p75 30, p90 40, p99 61, max 81.
 */

/**
 * `LOCOMO_TURN_WORDS[i]` = number of LoCoMo dev turns with exactly `i + 1` words (1..81 words;
 * sums to 2,760).
 */
export const LOCOMO_TURN_WORDS: readonly number[] = [
  5, 6, 10, 10, 23, 35, 44, 53, 58, 91, 79, 100, 114, 94, 131, 116, 108, 102, 100, 103, 86, 101, 80, 73, 74, 76, 70, 53, 61, 53, 44, 66, 50, 43,
  37, 30, 34, 26, 29, 34, 19, 22, 23, 17, 16, 13, 20, 11, 16, 4, 10, 5, 6, 6, 6, 4, 9, 11, 8, 3, 3, 3, 6, 1, 2, 3, 0, 1, 1, 1, 0, 1, 1, 1, 1,
  0, 1, 1, 0, 1, 1,
];

/**
 * Turns per session in the LoCoMo dev split, as `[turns, sessions]` pairs (13..43 turns, mean
 * 21.6; sums to 128 sessions).
 */
export const LOCOMO_SESSION_TURNS: readonly (readonly [number, number])[] = [
  [13, 2], [14, 5], [15, 6], [16, 13], [17, 13], [18, 9], [19, 13], [20, 8], [21, 7], [22, 8], [23, 13], [24, 3], [25, 1], [26, 5],
  [27, 2], [28, 3], [29, 4], [30, 2], [33, 1], [35, 2], [37, 2], [38, 3], [39, 1], [40, 1], [43, 1],
];

const turnWords = new WeightedTable(LOCOMO_TURN_WORDS);
const sessionTurns = new WeightedTable(LOCOMO_SESSION_TURNS.map(([, sessions]) => sessions));

/** A turn length in words (1..81), drawn from {@link LOCOMO_TURN_WORDS}. */
export function sampleTurnWords(random: Prng): number {
  return turnWords.sample(random) + 1;
}

/** A session length in turns (13..43), drawn from {@link LOCOMO_SESSION_TURNS}. */
export function sampleSessionTurns(random: Prng): number {
  return LOCOMO_SESSION_TURNS[sessionTurns.sample(random)]![0];
}
