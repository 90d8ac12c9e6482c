import { describe, expect, it } from 'vitest';
import { ClickHouseAnalyticsStore } from './clickhouse.analytics-store.js';
import { resolveClickHouseAnalyticsConfig } from './config.js';
import { mapClickHouseError } from './errors.js';

describe('ClickHouse analytics configuration', () => {
  it('fills in defaults', () => {
    expect(resolveClickHouseAnalyticsConfig({ url: 'http://clickhouse:8123/' })).toEqual({
      url: 'http://clickhouse:8123',
      username: 'default',
      password: '',
      database: 'memfabric',
      requestTimeoutMs: 30_000,
      maxOpenConnections: 10,
      application: 'memfabric-analytics',
      logLevel: 'off',
    });
  });

  it('says what to fix, in the constructor', () => {
    const cases: [Record<string, unknown>, RegExp][] = [
      [{}, /`url` is required/],
      [{ url: 'clickhouse:8123' }, /must use http or https/],
      [{ url: 'not a url' }, /is not a URL/],
      [{ url: 'tcp://clickhouse:9000' }, /must use http or https/],
      [{ url: 'http://u:p@clickhouse:8123' }, /credentials in `username`\/`password`/],
      [{ url: 'http://clickhouse:8123', username: '' }, /`username` must be a non-empty string/],
      [{ url: 'http://clickhouse:8123', password: 7 }, /`password` must be a string/],
      [{ url: 'http://clickhouse:8123', database: 'memfabric-prod' }, /plain identifier/],
      [{ url: 'http://clickhouse:8123', requestTimeoutMs: 0 }, /`requestTimeoutMs` must be a positive integer/],
      [{ url: 'http://clickhouse:8123', logLevel: 'loud' }, /`logLevel` must be one of/],
    ];
    for (const [config, message] of cases) {
      expect(() => new ClickHouseAnalyticsStore(config as never)).toThrow(message);
    }
  });
});

describe('mapClickHouseError', () => {
  const url = 'http://clickhouse:8123';

  it('turns network failures, timeouts and retriable server codes into a retriable UnavailableError', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 10.0.0.1:8123'), { code: 'ECONNREFUSED' });
    expect(mapClickHouseError(refused, 'select', url)).toMatchObject({ code: 'unavailable', retriable: true, cause: refused, context: { errno: 'ECONNREFUSED' } });
    expect(mapClickHouseError(new Error('Timeout error.'), 'select', url)).toMatchObject({ code: 'unavailable' });
    const overloaded = Object.assign(new Error('Too many simultaneous queries'), { code: '202', type: 'TOO_MANY_SIMULTANEOUS_QUERIES' });
    expect(mapClickHouseError(overloaded, 'insert', url)).toMatchObject({
      code: 'unavailable',
      context: { clickhouseCode: 202, clickhouseType: 'TOO_MANY_SIMULTANEOUS_QUERIES' },
    });
  });

  it('turns refused credentials into a ConfigurationError', () => {
    const auth = Object.assign(new Error('default: Authentication failed'), { code: '516', type: 'AUTHENTICATION_FAILED' });
    expect(mapClickHouseError(auth, 'command', url)).toMatchObject({ code: 'configuration_invalid', message: expect.stringMatching(/check `username`/) as unknown });
  });

  it('leaves statement errors unchanged', () => {
    const syntax = Object.assign(new Error('Syntax error'), { code: '62', type: 'SYNTAX_ERROR' });
    expect(mapClickHouseError(syntax, 'select', url)).toBe(syntax);
  });
});
