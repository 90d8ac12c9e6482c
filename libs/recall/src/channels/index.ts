import type { RecallChannel } from '../channel.js';
import { contextChannel } from './context.channel.js';
import { denseChannel } from './dense.channel.js';
import { graphChannel } from './graph.channel.js';
import { lexicalChannel } from './lexical.channel.js';
import { recencyChannel } from './recency.channel.js';
import { sessionSpreadChannel } from './session-spread.channel.js';
import { speakerChannel } from './speaker.channel.js';
import { temporalChannel } from './temporal.channel.js';

export { contextChannel, type ContextOptions } from './context.channel.js';
export { denseChannel } from './dense.channel.js';
export { graphChannel, type GraphOptions } from './graph.channel.js';
export { lexicalChannel, NO_PROPAGATION, type LexicalOptions, type Propagation } from './lexical.channel.js';
export { recencyChannel } from './recency.channel.js';
export { namedSpeakers, speakerChannel } from './speaker.channel.js';
export { sessionSpreadChannel } from './session-spread.channel.js';
export { temporalChannel } from './temporal.channel.js';
export { READ_MODELS } from './read-models.js';

/**
 * The channels every engine runs unless given others, in the order their timings and explain
 * entries appear: dense, lexical, graph, temporal (query stage), recency (units), context,
 * speaker and session-spread (fused).
 */
export const BUILTIN_CHANNELS: readonly RecallChannel[] = [
  denseChannel,
  lexicalChannel,
  graphChannel,
  temporalChannel,
  recencyChannel,
  contextChannel,
  speakerChannel,
  sessionSpreadChannel,
];
