import { ConfigurationError, UnavailableError } from '@memfabric/errors';
import { normalizeL2 } from '@memfabric/embeddings';

/**
 * Reading the body of an OpenAI-compatible embeddings response
 * (`{ object: 'list', data: [{ object: 'embedding', index, embedding }], model, usage }`),
 * as OpenAI, Text Embeddings Inference, Ollama and vLLM return it.
 */

/** Decodes a base64 string of little-endian float32 values (`encoding_format: 'base64'`). */
function decodeBase64Floats(text: string): Float32Array | undefined {
  const bytes = Buffer.from(text, 'base64');
  if (bytes.length % 4 !== 0) return undefined;
  const out = new Float32Array(bytes.length / 4);
  for (let i = 0; i < out.length; i++) out[i] = bytes.readFloatLE(i * 4);
  return out;
}

/**
 * Turns a parsed response body into one L2-normalised vector per input, in input order
 * (`data` is ordered by its `index` fields when every item has one).
 *
 * @param body - the parsed JSON body.
 * @param count - number of inputs sent.
 * @param dimensions - expected vector length.
 * @param context - added to errors (url, model; never the key).
 * @throws ConfigurationError when vectors have another length than `dimensions` (the message
 *   says what to set).
 * @throws UnavailableError when the body does not have the documented shape, has the wrong
 *   number of vectors or bad indices, or holds a zero or non-finite vector.
 */
export function readEmbeddingsResponse(body: unknown, count: number, dimensions: number, context: Readonly<Record<string, unknown>>): Float32Array[] {
  const fail = (why: string): never => {
    throw new UnavailableError(`embeddings server returned an invalid response: ${why}`, { context });
  };
  const data = (body as { data?: unknown } | null)?.data;
  if (!Array.isArray(data)) return fail('no `data` array');
  if (data.length !== count) return fail(`${data.length} embeddings for ${count} inputs`);
  const items = data as { index?: unknown; embedding?: unknown }[];
  let ordered = items;
  if (items.every((item) => typeof item?.index === 'number')) {
    ordered = new Array<{ index?: unknown; embedding?: unknown }>(count);
    for (const item of items) {
      const index = item.index as number;
      if (!Number.isInteger(index) || index < 0 || index >= count || ordered[index] !== undefined) return fail(`bad or repeated index ${index}`);
      ordered[index] = item;
    }
  }
  return ordered.map((item, i) => {
    const raw = item?.embedding;
    const values = typeof raw === 'string' ? decodeBase64Floats(raw) : Array.isArray(raw) ? (raw as unknown[]) : undefined;
    if (values === undefined) return fail(`embedding ${i} is neither an array of numbers nor base64 floats`);
    if (values.length !== dimensions) {
      throw new ConfigurationError(
        `embeddings server returned ${values.length}-dimensional vectors but dimensions is ${dimensions}: set dimensions to ${values.length} for this model, or set requestDimensions: true if the model can shorten its vectors`,
        { context: { ...context, expected: dimensions, actual: values.length } },
      );
    }
    for (const value of values) if (typeof value !== 'number' || !Number.isFinite(value)) return fail(`embedding ${i} holds a non-finite or non-numeric value`);
    return normalizeL2(values as ArrayLike<number>) ?? fail(`embedding ${i} is a zero vector`);
  });
}
