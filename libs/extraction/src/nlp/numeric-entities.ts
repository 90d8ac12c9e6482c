import winkNLP, { type ItemEntity, type ItsHelpers, type WinkMethods } from 'wink-nlp';
import model from 'wink-eng-lite-web-model';

/**
 * Dates, times, durations and numbers with wink-nlp's named-entity recogniser and its English
 * lite web model (winkjs/wink-nlp, wink-eng-lite-web-model; the model ships in the npm package,
 * nothing is downloaded). wink's entity types map to the schema's types:
 *
 * | wink | schema |
 * |---|---|
 * | `DATE`, `TIME` | `date` |
 * | `DURATION`, `CARDINAL`, `ORDINAL`, `MONEY`, `PERCENT`, `MEASURE` | `quantity` |
 * | `EMOJI`, `EMAIL`, `URL`, `HASHTAG`, `MENTION`, others | not reported |
 */

/** One date or quantity mention with UTF-16 offsets into the text. */
export interface NumericMention {
  readonly text: string;
  readonly type: 'date' | 'quantity';
  /** wink's own entity type (`DATE`, `CARDINAL`, ...). */
  readonly winkType: string;
  readonly start: number;
  readonly end: number;
}

const TYPES: Readonly<Record<string, 'date' | 'quantity'>> = {
  DATE: 'date',
  TIME: 'date',
  DURATION: 'quantity',
  CARDINAL: 'quantity',
  ORDINAL: 'quantity',
  MONEY: 'quantity',
  PERCENT: 'quantity',
  MEASURE: 'quantity',
};

let wink: WinkMethods | undefined;

/** The wink-nlp instance (model loaded once per process, about 100 ms; sentence splitting and NER only). */
function winkInstance(): WinkMethods {
  wink ??= winkNLP(model, ['sbd', 'ner']);
  return wink;
}

/**
 * Finds date and quantity mentions in `text`.
 *
 * Token offsets come from wink's lossless tokenisation (each token's preceding whitespace plus
 * its value); a token that does not line up with the text is searched for from the previous
 * token's end, and a mention whose tokens cannot be located is dropped.
 *
 * @returns mentions in text order; never throws (a recogniser failure yields an empty list).
 */
export function findNumericMentions(text: string): NumericMention[] {
  if (text.trim() === '') return [];
  try {
    const w = winkInstance();
    const its: ItsHelpers = w.its;
    const doc = w.readDoc(text);
    // wink accepts only its own helper functions (checked by identity), so they are passed unbound.
    /* eslint-disable @typescript-eslint/unbound-method */
    const values = doc.tokens().out(its.value);
    const spaces = doc.tokens().out(its.precedingSpaces);
    const starts: number[] = [];
    let cursor = 0;
    values.forEach((value, i) => {
      let start = cursor + (spaces[i]?.length ?? 0);
      if (text.slice(start, start + value.length) !== value) {
        const found = text.indexOf(value, cursor);
        start = found >= 0 ? found : -1;
      }
      starts.push(start);
      if (start >= 0) cursor = start + value.length;
    });
    const out: NumericMention[] = [];
    doc.entities().each((entity: ItemEntity) => {
      const winkType = entity.out(its.type);
      const type = TYPES[winkType];
      const span = entity.out(its.span) as unknown;
      if (!type || !Array.isArray(span)) return;
      const [first, last] = span as number[];
      if (first === undefined || last === undefined) return;
      const start = starts[first] ?? -1;
      const lastStart = starts[last] ?? -1;
      const lastValue = values[last] ?? '';
      if (start < 0 || lastStart < 0) return;
      const end = lastStart + lastValue.length;
      if (end <= start) return;
      out.push({ text: text.slice(start, end), type, winkType, start, end });
    });
    /* eslint-enable @typescript-eslint/unbound-method */
    return out;
  } catch {
    return [];
  }
}
