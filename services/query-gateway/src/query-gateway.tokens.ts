/** Injection token of the {@link Recaller} the gateway serves. */
export const RECALLER = Symbol.for('memfabric.query-gateway.recaller');
/** Injection token of the gateway's {@link QueryGatewayConfig}. */
export const QUERY_GATEWAY_CONFIG = Symbol.for('memfabric.query-gateway.config');
