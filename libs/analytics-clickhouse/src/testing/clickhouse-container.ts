/**
 * ClickHouse server image used where a container runtime exists. 24.8 is an LTS release; the
 * analytics SQL needs 23.3+ (lightweight DELETE, query parameters, DateTime64, LowCardinality).
 */
export const CLICKHOUSE_IMAGE = 'clickhouse/clickhouse-server:24.8-alpine';

/** A running ClickHouse container and how to reach its HTTP interface. */
export interface ClickHouseContainerHandle {
  /** `http://host:port` of the HTTP interface. */
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
 * Starts a single ClickHouse server with `@testcontainers/clickhouse`.
 * @throws Error when the container cannot start.
 */
export async function startClickHouseContainer(image = CLICKHOUSE_IMAGE): Promise<ClickHouseContainerHandle> {
  const { ClickHouseContainer } = await import('@testcontainers/clickhouse');
  const container = await new ClickHouseContainer(image).withUsername('memfabric').withPassword('memfabric').start();
  return {
    url: container.getHttpUrl(),
    username: container.getUsername(),
    password: container.getPassword(),
    stop: async () => {
      await container.stop();
    },
  };
}
