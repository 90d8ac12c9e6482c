import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { isInstant } from './instant.js';

// ajv-formats is CommonJS with `module.exports = plugin`; under NodeNext its default import
// types as the module namespace, so take the callable from either shape.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (
  ajv: Ajv2020,
) => Ajv2020;

/**
 * A JSON Schema 2020-12 compiler with the rules every contract schema is checked by: strict
 * mode, every error reported, ajv-formats, and `date-time` as the strict instant rule every
 * projection can parse (see instant.ts), not ajv-formats' laxer one (which takes lowercase
 * t/z, a space, leap seconds and year 0000).
 * @param options.verbose - keep the failing subschema and value on each error (for messages).
 */
export function contractAjv(options: { readonly verbose?: boolean } = {}): Ajv2020 {
  const ajv = new Ajv2020({ allErrors: true, strict: true, allowUnionTypes: true, verbose: options.verbose ?? false });
  addFormats(ajv);
  ajv.addFormat('date-time', { type: 'string', validate: isInstant });
  return ajv;
}
