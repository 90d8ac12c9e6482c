import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';

/** JSON-RPC 2.0 error codes of a line that is not a request (JSON-RPC 2.0 §5.1). */
export const JSON_RPC_PARSE_ERROR = -32700;
export const JSON_RPC_INVALID_REQUEST = -32600;

/**
 * Makes a stdio transport answer a line it cannot use, as JSON-RPC 2.0 (§5) asks, instead of
 * dropping it: a line that is not JSON gets `{"jsonrpc":"2.0","id":null,"error":{"code":-32700,
 * "message":"Parse error: ..."}}`, JSON that is not a JSON-RPC message gets `-32600 Invalid
 * Request`. The transport's own error handler still runs. Call after `server.connect(transport)`
 * (which installs that handler).
 * @param transport - the server's stdio transport (its read buffer reports a bad line through `onerror`).
 */
export function answerMalformedLines(transport: Transport): void {
  const inner = transport.onerror;
  transport.onerror = (error: Error) => {
    const notJson = error instanceof SyntaxError;
    const notJsonRpc = !notJson && error.name === 'ZodError';
    if (notJson || notJsonRpc) {
      const reply = {
        jsonrpc: '2.0',
        id: null,
        error: notJson
          ? { code: JSON_RPC_PARSE_ERROR, message: `Parse error: the line is not JSON (${error.message})` }
          : { code: JSON_RPC_INVALID_REQUEST, message: 'Invalid Request: the line is JSON but not a JSON-RPC 2.0 message' },
      };
      // `id: null` is what JSON-RPC prescribes when the request's id cannot be read; the SDK's types require an id.
      void transport.send(reply as unknown as JSONRPCMessage).catch(() => undefined);
    }
    inner?.(error);
  };
}
