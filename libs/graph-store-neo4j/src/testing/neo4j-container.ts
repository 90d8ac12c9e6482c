/** Image of the Neo4j server used where a container runtime exists (5.26 LTS, community). */
export const NEO4J_IMAGE = 'neo4j:5.26-community';

/** A running Neo4j container. */
export interface Neo4jContainerHandle {
  /** Bolt URL on a mapped loopback port. */
  readonly url: string;
  readonly username: string;
  readonly password: string;
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
 * Starts a single Neo4j server in a container with `@testcontainers/neo4j` (`Neo4jContainer`,
 * Bolt on a mapped port, basic auth).
 * @throws Error when the container cannot start.
 */
export async function startNeo4jContainer(image = NEO4J_IMAGE): Promise<Neo4jContainerHandle> {
  const { Neo4jContainer } = await import('@testcontainers/neo4j');
  const container = await new Neo4jContainer(image).withPassword('memfabric-test').start();
  return {
    url: container.getBoltUri(),
    username: container.getUsername(),
    password: container.getPassword(),
    stop: async () => {
      await container.stop();
    },
  };
}
