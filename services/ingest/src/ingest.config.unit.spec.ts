import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { MemfabricError } from '@memfabric/errors';
import { INGEST_DEFAULTS, loadIngestConfig } from './ingest.config.js';

function failure(env: Record<string, string>): MemfabricError {
  try {
    loadIngestConfig(env, '/srv');
  } catch (error) {
    if (MemfabricError.is(error)) return error;
    throw error;
  }
  throw new Error('expected a configuration error');
}

describe('loadIngestConfig', () => {
  it('applies the documented defaults to an empty environment', () => {
    const config = loadIngestConfig({}, '/srv');
    expect(config).toEqual({
      dataDir: '/srv/data',
      logFile: '/srv/data/memfabric.db',
      host: '127.0.0.1',
      port: 8081,
      maxBodyBytes: 5 * 1024 * 1024,
      masterKeyFile: '/srv/data/master.key',
      logLevel: 'info',
    });
    expect(config.maxBodyBytes).toBe(INGEST_DEFAULTS.maxBodyBytes);
  });

  it('reads every variable, treating empty values as unset', () => {
    const key = Buffer.alloc(32, 7).toString('base64');
    const config = loadIngestConfig(
      {
        MEMFABRIC_DATA_DIR: '/var/lib/memfabric',
        MEMFABRIC_INGEST_PORT: '0',
        MEMFABRIC_INGEST_HOST: '0.0.0.0',
        MEMFABRIC_MAX_BODY_BYTES: '1024',
        MEMFABRIC_MASTER_KEY: key,
        MEMFABRIC_LOG_LEVEL: '',
      },
      '/srv',
    );
    expect(config).toMatchObject({ dataDir: '/var/lib/memfabric', logFile: path.join('/var/lib/memfabric', 'memfabric.db'), port: 0, host: '0.0.0.0', maxBodyBytes: 1024, logLevel: 'info' });
    expect(Buffer.from(config.masterKey!).equals(Buffer.alloc(32, 7))).toBe(true);
  });

  it('rejects a bad port with a message that says what to set', () => {
    const error = failure({ MEMFABRIC_INGEST_PORT: '80a' });
    expect(error.code).toBe('configuration_invalid');
    expect(error.message).toContain('MEMFABRIC_INGEST_PORT must be an integer from 0 to 65535');
    expect(error.message).toContain('"80a"');
    expect(failure({ MEMFABRIC_INGEST_PORT: '65536' }).message).toContain('MEMFABRIC_INGEST_PORT');
    expect(failure({ MEMFABRIC_INGEST_PORT: '-1' }).message).toContain('MEMFABRIC_INGEST_PORT');
  });

  it('lists every invalid variable at once', () => {
    const error = failure({
      MEMFABRIC_INGEST_PORT: 'http',
      MEMFABRIC_MAX_BODY_BYTES: '5MB',
      MEMFABRIC_MASTER_KEY: 'c2hvcnQ=',
      MEMFABRIC_LOG_LEVEL: 'loud',
      MEMFABRIC_INGEST_HOST: 'my host',
    });
    expect(error.message.split('\n').slice(1)).toHaveLength(5);
    expect(error.message).toContain('MEMFABRIC_MAX_BODY_BYTES must be a whole number of bytes');
    expect(error.message).toContain('MEMFABRIC_MASTER_KEY: master key must be 32 bytes');
    expect(error.message).toContain('MEMFABRIC_LOG_LEVEL must be one of');
    expect(error.message).toContain('MEMFABRIC_INGEST_HOST');
    expect(error.context.problems).toHaveLength(5);
  });

  it('rejects a zero body limit', () => {
    expect(failure({ MEMFABRIC_MAX_BODY_BYTES: '0' }).message).toContain('MEMFABRIC_MAX_BODY_BYTES');
  });
});
