/** Image of the Qdrant server the integration tests run against. */
export const QDRANT_IMAGE = 'qdrant/qdrant:v1.13.0';

/** A running Qdrant container. */
export interface QdrantContainerHandle {
  /** REST endpoint, e.g. `http://localhost:49153`. */
  readonly url: string;
  stop(): Promise<void>;
}

/**
 * Why no container runtime can be used, or `undefined` when testcontainers finds one (Docker,
 * Podman, Colima, ... via `getContainerRuntimeClient`). testcontainers is loaded lazily so that
 * importing this module costs nothing where it is not installed.
 */
export async function containerRuntimeUnavailable(): Promise<string | undefined> {
  try {
    const { getContainerRuntimeClient } = await import('testcontainers');
    await getContainerRuntimeClient();
    return undefined;
  } catch (error) {
    return `no container runtime (${(error as Error).message})`;
  }
}

/**
 * Starts Qdrant in a container with testcontainers' `GenericContainer` (there is no Qdrant
 * module for testcontainers 11): REST port 6333, ready when `GET /readyz` answers 200.
 * @throws Error when the container cannot start or does not become ready.
 */
export async function startQdrantContainer(image = QDRANT_IMAGE): Promise<QdrantContainerHandle> {
  const { GenericContainer, Wait } = await import('testcontainers');
  const container = await new GenericContainer(image)
    .withExposedPorts(6333)
    .withWaitStrategy(Wait.forHttp('/readyz', 6333).forStatusCode(200))
    .withStartupTimeout(120_000)
    .start();
  return {
    url: `http://${container.getHost()}:${container.getMappedPort(6333)}`,
    stop: async () => {
      await container.stop();
    },
  };
}
