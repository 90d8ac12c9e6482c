import { ValidationError } from '@memfabric/errors';

/**
 * Leave-one-conversation-out: a model trained on some conversations is scored on one it has not
 * seen, so a gain cannot come from fitting the conversation it is measured on (the
 * cross-validation of Stone, "Cross-validatory choice and assessment of statistical
 * predictions", JRSS B 36(2), 1974, with one group — a conversation — held out per fold).
 */

/** One fold: the held-out conversation, the ones trained on and the model. */
export interface LocoFold<M> {
  /** `sample_id` of the conversation scored with this fold's model. */
  readonly heldOut: string;
  /** `sample_id`s whose items the model was trained on (every other conversation, in first-appearance order). */
  readonly trainedOn: readonly string[];
  readonly model: M;
}

/**
 * Trains one model per conversation, each on the items of every other conversation.
 * @param items - training items (questions), each tagged with its conversation; order kept within a fold.
 * @param train - fits a model to the items of the other conversations; `heldOut` is passed for
 *   provenance only (its items are never in `training`).
 * @returns one fold per conversation, in first-appearance order.
 * @throws ValidationError (pointer `/sampleId`) when the items span fewer than 2 conversations.
 */
export function leaveOneConversationOut<T extends { readonly sampleId: string }, M>(items: readonly T[], train: (training: readonly T[], heldOut: string) => M): LocoFold<M>[] {
  const conversations = [...new Set(items.map((i) => i.sampleId))];
  if (conversations.length < 2) {
    throw new ValidationError(`leave-one-conversation-out needs at least 2 conversations, got ${conversations.length}`, [{ pointer: '/sampleId', detail: 'at least 2 distinct conversations' }]);
  }
  return conversations.map((heldOut) => {
    const training = items.filter((i) => i.sampleId !== heldOut);
    return { heldOut, trainedOn: conversations.filter((c) => c !== heldOut), model: train(training, heldOut) };
  });
}
