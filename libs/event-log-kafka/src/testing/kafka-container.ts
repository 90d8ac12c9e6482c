/** Image of the real Kafka broker used where a container runtime exists (KRaft mode). */
export const KAFKA_IMAGE = 'confluentinc/cp-kafka:7.9.0';

/** A running Kafka container. */
export interface KafkaContainerHandle {
  readonly brokers: string[];
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
 * Starts a single-node Kafka broker in a container with `@testcontainers/kafka` (KRaft, plaintext
 * listener on a mapped port; topic creation and the idempotent producer work, unlike the mock).
 * @throws Error when the container cannot start.
 */
export async function startKafkaContainer(image = KAFKA_IMAGE): Promise<KafkaContainerHandle> {
  const { KafkaContainer } = await import('@testcontainers/kafka');
  const container = await new KafkaContainer(image).withKraft().withEnvironment({ KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS: '0' }).start();
  return {
    brokers: [`${container.getHost()}:${container.getMappedPort(9093)}`],
    stop: async () => {
      await container.stop();
    },
  };
}
