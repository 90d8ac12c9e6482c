import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { it } from 'vitest';
import { MemfabricClient } from '@memfabric/client';
import { startFabric } from '@memfabric/fabric';
it('probe', async () => {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'probe-'));
  const fabric = await startFabric({ MEMFABRIC_DATA_DIR: dataDir, MEMFABRIC_INGEST_PORT: '0', MEMFABRIC_LOG_LEVEL: 'silent', MEMFABRIC_EMBEDDER: 'hash', MEMFABRIC_MASTER_KEY: Buffer.alloc(32, 7).toString('base64') });
  const client = new MemfabricClient({ baseUrl: fabric.url });
  await new Promise((r) => setTimeout(r, 3000));
  for (let i = 0; i < 3; i++) {
    console.error('PROBE write', Date.now() % 100000);
    const written = await client.recordInteraction({ tenant: 'acme-recall', stream: 's1', actor: 'user:maya', content: 'My sister Ana lives in Porto and teaches piano ' + i });
    const answer = await client.recall({ query: 'Where does Ana live?', scope: { tenant: 'acme-recall' }, k: 5, consistencyToken: written.consistencyToken });
    console.error('PROBE answer', Date.now() % 100000, JSON.stringify(answer.consistency));
  }
  await fabric.close();
}, 60000);
