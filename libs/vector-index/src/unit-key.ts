/**
 * The key a unit is indexed under (embedded and full-text indexed): the speaker's name, when the
 * event names one, then the content — `"Caroline: I went to a support group yesterday"`. The
 * content of a conversational turn rarely names who says it, while questions about it usually
 * do; adding that attribute to the key is the simplest form of the key expansion LongMemEval
 * found to help (Wu et al., "LongMemEval: Benchmarking Chat Assistants on Long-Term Interactive
 * Memory", ICLR 2025, §5). Recall returns the unit's own text, never the key.
 */
export function unitKey(speaker: string | null | undefined, text: string): string {
  const name = speaker?.trim();
  return name ? `${name}: ${text}` : text;
}

