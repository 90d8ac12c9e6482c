/**
 * Sentence fixtures of the embedder contract. Each triple is `[anchor, close, unrelated]`: a
 * working embedder puts `close` nearer to `anchor` than `unrelated` (cosine similarity).
 */

/** Near-duplicates sharing most words: every embedder, including feature hashing, ranks these. */
export const LEXICAL_TRIPLES: readonly (readonly [string, string, string])[] = [
  ['The cat sat on the mat.', 'The cat sat on a mat!', 'Stock prices fell sharply on Monday.'],
  ['Caroline went to the LGBTQ support group yesterday.', 'Yesterday Caroline went to a support group.', 'Melanie painted a sunrise over the lake.'],
  ['I am planning a camping trip with my kids in July.', 'Planning a camping trip in July with the kids.', 'The invoice total includes value added tax.'],
];

/**
 * Paraphrases with (almost) no word in common: only a model of meaning ranks these, so the
 * contract checks them for semantic embedders only.
 */
export const SEMANTIC_TRIPLES: readonly (readonly [string, string, string])[] = [
  ['How old are you?', 'What is your age?', 'The train leaves from platform nine.'],
  ['I adopted a puppy last week.', 'We got a new dog a few days ago.', 'The quarterly tax report is due on Friday.'],
  ["I'm going hiking in the mountains this weekend.", 'On Saturday I will walk trails up in the hills.', 'My laptop battery died during the meeting.'],
  ['The film made me cry.', 'That movie was so sad I was in tears.', 'Add two cups of flour to the bowl.'],
];

/** Varied texts (LoCoMo-like turns, Unicode, symbols only, a long one) for shape and norm checks. */
export const VARIED_TEXTS: readonly string[] = [
  "Hey Mel! Good to see you! How have you been?",
  'I went to a LGBTQ support group yesterday and it was so powerful.',
  'Wow, that sounds really cool! What did you paint?',
  'Ünïcödé café in Zürich, 東京タワー, Καλημέρα — 🎉🚀',
  '?!',
  '42',
  'a',
  `${'The long turn repeats itself to stress the tokenizer. '.repeat(40)}End.`,
  'Researching adoption agencies — it\'s been a dream to have a family and give a loving home to kids who need it.',
  'Melanie: "I took the kids to the museum last Sunday; they loved the dinosaur exhibit."',
  '   leading and trailing spaces   ',
  'line one\nline two\ttabbed',
];
