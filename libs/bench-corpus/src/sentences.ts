import { ZipfPicker, type Prng } from './prng.js';
import {
  ACTIVITIES,
  ADJECTIVES,
  ANIMALS,
  FEELINGS,
  FOODS,
  MONTHS,
  NOUNS,
  PERSON_NAMES,
  PLACES,
  RELATIVE_TIMES,
  RELATIVES,
  SHORT_TURNS,
  THINGS,
  TOPICS,
  VERBS_PAST,
} from './vocabulary.js';

/** Who speaks a turn, to whom, about what and when (the session's world time). */
export interface TurnContext {
  /** Display name of the speaker. */
  readonly speaker: string;
  /** Display name of the person addressed (another participant of the stream). */
  readonly addressee: string;
  /** People the tenant's members talk about (its cast besides speaker and addressee). */
  readonly mentioned: readonly string[];
  /** Topic of the session (from {@link TOPICS}); about a third of the sentences name it. */
  readonly topic: string;
  /** Session start, ms since the Unix epoch (UTC): absolute dates in the text lie before it. */
  readonly sessionTime: number;
}

type Slot =
  | 'date'
  | 'name'
  | 'addressee'
  | 'place'
  | 'activity'
  | 'thing'
  | 'food'
  | 'relative'
  | 'feeling'
  | 'adj'
  | 'topic'
  | 'animal'
  | 'when'
  | 'month'
  | 'noun'
  | 'verb';

/**
 * Sentence templates of everyday chat between people who know each other; `{slot}` is filled
 * from the word lists. Most frequent shapes first (drawn with Zipf-like frequencies).
 */
const TEMPLATES: readonly string[] = [
  'That sounds {adj}, {addressee}!',
  'I went {activity} at {place} {when}.',
  'How have you been, {addressee}?',
  'I have been really into {activity} lately.',
  'My {relative} and I went to {place} {when}.',
  'It was {adj} and I felt so {feeling}.',
  'What got you into {activity}?',
  'I {verb} a {noun} {when} and it was {adj}.',
  'We talked a lot about {topic}.',
  '{name} told me about {topic} {when}.',
  'I made {food} for my {relative} {when}.',
  'Have you ever been to {place}?',
  'I just got {thing} and I love it.',
  'Thanks, {addressee}, that means a lot to me.',
  'I feel {feeling} about {topic} right now.',
  'My {relative} gave me {thing} for my birthday.',
  'We are planning a trip to {place} in {month}.',
  'I started {activity} {when} to deal with stress.',
  '{name} and I went {activity} {when}.',
  'The {noun} at {place} was {adj}.',
  'I remember the {noun} we had in {month}.',
  'Do you still go {activity} with {name}?',
  'I {verb} the {noun} with {name} {when}.',
  'It reminded me of {place}.',
  'Our {animal} loves going to {place}.',
  'I adopted a {animal} {when}!',
  'Keep going, you are doing {adj} things.',
  'I signed up for a {activity} class at {place}.',
  'It has been a {adj} year for {topic}.',
  'Can you send me a photo of {thing}?',
  'I am so {feeling} for you, {addressee}.',
  'We had {food} at {place} {when}.',
  'The {noun} was really {adj}, honestly.',
  '{name} said the {noun} was {adj}.',
  'I want to try {activity} next.',
  'My {relative} is visiting from {place} in {month}.',
  'I spent the weekend {activity} with my {relative}.',
  'That {noun} must have been {adj}.',
  'Last time we met you mentioned {topic}.',
  'I finally {verb} {thing} {when}.',
  'How is {topic} going?',
  'I got back from {place} {when} and I am still {feeling}.',
  'We met {name} at {place} {when}.',
  'What did you think of the {noun}?',
  'I need to focus on {topic} this month.',
  'I went to a {noun} about {topic} at {place}.',
  'My goal is to get better at {activity}.',
  'It was the first time I tried {activity}.',
  'I cooked {food} for the {noun}.',
  'We celebrated at {place} on {date}.',
  'On {date} I {verb} a {noun} with my {relative}.',
  'I have a {noun} coming up on {date}.',
  'My {animal} knocked over {thing} {when}.',
  '{name} is thinking about moving to {place}.',
  'The view from {place} was {adj}.',
  'It is {adj} how much {activity} helps me.',
  'Let me know how the {noun} goes!',
  'I was {feeling} before the {noun} but it went well.',
  'I bought {thing} at {place} {when}.',
  'My {relative} taught me {activity} when I was a kid.',
];

type TemplatePart = { readonly text: string } | { readonly slot: Slot };

const parsed: readonly (readonly TemplatePart[])[] = TEMPLATES.map((t) =>
  t
    .split(/(\{[a-z]+\})/)
    .filter((p) => p !== '')
    .map((p): TemplatePart => (p.startsWith('{') ? { slot: p.slice(1, -1) as Slot } : { text: p })),
);

const templates = new ZipfPicker(parsed, 0.7);
const pickers = {
  name: new ZipfPicker(PERSON_NAMES),
  place: new ZipfPicker(PLACES),
  activity: new ZipfPicker(ACTIVITIES),
  thing: new ZipfPicker(THINGS),
  food: new ZipfPicker(FOODS),
  relative: new ZipfPicker(RELATIVES),
  feeling: new ZipfPicker(FEELINGS),
  adj: new ZipfPicker(ADJECTIVES),
  topic: new ZipfPicker(TOPICS),
  animal: new ZipfPicker(ANIMALS),
  when: new ZipfPicker(RELATIVE_TIMES),
  noun: new ZipfPicker(NOUNS),
  verb: new ZipfPicker(VERBS_PAST),
};

const DAY_MS = 86_400_000;

/** "14 May": a date 1..120 days before the session. */
function datePhrase(random: Prng, sessionTime: number): string {
  const d = new Date(sessionTime - random.range(1, 120) * DAY_MS);
  return `${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]!}`;
}

function fill(slot: Slot, random: Prng, ctx: TurnContext): string {
  switch (slot) {
    case 'addressee':
      return ctx.addressee;
    case 'name':
      // mostly the tenant's own people, sometimes anyone
      return ctx.mentioned.length > 0 && random.chance(0.75) ? random.pick(ctx.mentioned) : pickers.name.pick(random);
    case 'topic':
      return random.chance(0.6) ? ctx.topic : pickers.topic.pick(random);
    case 'month':
      return MONTHS[random.int(12)]!;
    case 'date':
      return datePhrase(random, ctx.sessionTime);
    case 'when':
      return random.chance(0.2) ? `on ${datePhrase(random, ctx.sessionTime)}` : pickers.when.pick(random);
    default:
      return pickers[slot].pick(random);
  }
}

/** One sentence from a template, as words. */
export function composeSentence(random: Prng, ctx: TurnContext): string[] {
  let text = '';
  for (const part of templates.pick(random)) text += 'text' in part ? part.text : fill(part.slot, random, ctx);
  const words = text.split(' ').filter((w) => w !== '');
  // "a" before a vowel: "an amazing year"
  for (let i = 0; i < words.length - 1; i++) {
    if ((words[i] === 'a' || words[i] === 'A') && /^[aeiouAEIOU]/.test(words[i + 1]!)) words[i] = `${words[i]!}n`;
  }
  // sentence-initial capital (slots like "the park" may start it)
  if (words.length > 0) words[0] = words[0]!.charAt(0).toUpperCase() + words[0]!.slice(1);
  return words;
}

/**
 * A turn of exactly `words` whitespace-separated words: whole template sentences while they
 * fit (up to three draws for one that fits), the last one cut to the remaining count when none
 * does; turns of 1..3 words are short reactions ("Sounds great!").
 * @param words - target length, ≥ 1 (see `sampleTurnWords`).
 */
export function composeTurn(random: Prng, words: number, ctx: TurnContext): string {
  if (words <= SHORT_TURNS.length) return random.pick(SHORT_TURNS[words - 1]!);
  const out: string[] = [];
  while (out.length < words) {
    const remaining = words - out.length;
    if (remaining <= SHORT_TURNS.length && out.length > 0) {
      out.push(...random.pick(SHORT_TURNS[remaining - 1]!).split(' '));
      break;
    }
    let sentence = composeSentence(random, ctx);
    for (let attempt = 0; attempt < 3 && sentence.length > remaining; attempt++) sentence = composeSentence(random, ctx);
    if (sentence.length > remaining) {
      sentence = sentence.slice(0, remaining);
      sentence[remaining - 1] = `${sentence[remaining - 1]!.replace(/[,.!?]+$/, '')}.`;
    }
    out.push(...sentence);
  }
  return out.join(' ');
}
