/*
 * kafka-mock-cluster: starts librdkafka's in-process mock Kafka cluster as a standalone
 * protocol peer for integration tests (no JVM, no container).
 *
 * Usage: kafka-mock-cluster [--brokers N] TOPIC[:PARTITIONS[:REPLICATION]] ...
 *
 *   --brokers N   number of mock brokers (default 1)
 *   TOPIC...      topics to pre-create (default partitions 3, replication factor 1); the mock
 *                 cluster does not implement the CreateTopics admin API, so clients cannot
 *                 create topics themselves.
 *
 * Prints the bootstrap servers ("127.0.0.1:PORT[,...]") as one line on stdout, flushes, then
 * serves until stdin reaches EOF (the parent closed the pipe or died) or SIGTERM/SIGINT arrives.
 * Diagnostics go to stderr. Exit code 0 on a clean stop, 1 on a usage or startup error.
 *
 * Build: libs/event-log-kafka/mock-cluster/build.sh (gcc ... -lrdkafka, librdkafka-dev >= 1.9).
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

static volatile sig_atomic_t stop_requested = 0;

static void on_signal(int sig) {
  (void)sig;
  stop_requested = 1;
}

static int parse_positive(const char *text, const char *what, int *out) {
  char *end = NULL;
  long value;
  errno = 0;
  value = strtol(text, &end, 10);
  if (errno != 0 || end == text || *end != '\0' || value < 1 || value > 100000) {
    fprintf(stderr, "kafka-mock-cluster: %s must be a positive integer, got '%s'\n", what, text);
    return -1;
  }
  *out = (int)value;
  return 0;
}

static void usage(void) {
  fprintf(stderr, "usage: kafka-mock-cluster [--brokers N] TOPIC[:PARTITIONS[:REPLICATION]] ...\n");
}

int main(int argc, char **argv) {
  int broker_cnt = 1;
  int first_topic = 1;
  char errstr[512];
  rd_kafka_conf_t *conf;
  rd_kafka_t *rk;
  rd_kafka_mock_cluster_t *mcluster;
  struct sigaction sa;
  int i;

  if (argc > 1 && (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)) {
    usage();
    return 0;
  }
  if (argc > 2 && strcmp(argv[1], "--brokers") == 0) {
    if (parse_positive(argv[2], "--brokers", &broker_cnt) != 0) return 1;
    first_topic = 3;
  }

  /* The mock cluster runs on the threads of an rd_kafka_t handle; a producer is the lightest. */
  conf = rd_kafka_conf_new();
  if (rd_kafka_conf_set(conf, "log_level", "3", errstr, sizeof(errstr)) != RD_KAFKA_CONF_OK) {
    fprintf(stderr, "kafka-mock-cluster: %s\n", errstr);
    return 1;
  }
  rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr));
  if (!rk) {
    fprintf(stderr, "kafka-mock-cluster: cannot create handle: %s\n", errstr);
    return 1;
  }

  mcluster = rd_kafka_mock_cluster_new(rk, broker_cnt);
  if (!mcluster) {
    fprintf(stderr, "kafka-mock-cluster: rd_kafka_mock_cluster_new failed\n");
    rd_kafka_destroy(rk);
    return 1;
  }

  for (i = first_topic; i < argc; i++) {
    char *spec = strdup(argv[i]);
    char *name = spec;
    char *parts = strchr(spec, ':');
    char *replicas = NULL;
    int partition_cnt = 3;
    int replication_factor = 1;
    rd_kafka_resp_err_t err;

    if (parts) {
      *parts++ = '\0';
      replicas = strchr(parts, ':');
      if (replicas) *replicas++ = '\0';
      if (parse_positive(parts, "partition count", &partition_cnt) != 0) goto fail;
      if (replicas && parse_positive(replicas, "replication factor", &replication_factor) != 0) goto fail;
    }
    if (*name == '\0') {
      fprintf(stderr, "kafka-mock-cluster: empty topic name in '%s'\n", argv[i]);
      goto fail;
    }
    if (replication_factor > broker_cnt) {
      fprintf(stderr, "kafka-mock-cluster: topic %s: replication factor %d exceeds %d broker(s)\n", name,
              replication_factor, broker_cnt);
      goto fail;
    }
    err = rd_kafka_mock_topic_create(mcluster, name, partition_cnt, replication_factor);
    if (err) {
      fprintf(stderr, "kafka-mock-cluster: cannot create topic %s: %s\n", name, rd_kafka_err2str(err));
      goto fail;
    }
    fprintf(stderr, "kafka-mock-cluster: topic %s (%d partitions, replication %d)\n", name, partition_cnt,
            replication_factor);
    free(spec);
    continue;
  fail:
    free(spec);
    rd_kafka_mock_cluster_destroy(mcluster);
    rd_kafka_destroy(rk);
    return 1;
  }

  memset(&sa, 0, sizeof(sa));
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGTERM, &sa, NULL);
  sigaction(SIGINT, &sa, NULL);
  signal(SIGPIPE, SIG_IGN);

  printf("%s\n", rd_kafka_mock_cluster_bootstraps(mcluster));
  fflush(stdout);

  /* Serve until stdin closes (EOF or error) or a signal arrives. */
  while (!stop_requested) {
    struct pollfd pfd = {.fd = STDIN_FILENO, .events = POLLIN};
    int ready = poll(&pfd, 1, 500);
    if (ready < 0) {
      if (errno == EINTR) continue;
      break;
    }
    if (ready > 0) {
      char buf[256];
      ssize_t n = read(STDIN_FILENO, buf, sizeof(buf));
      if (n == 0) break;                       /* EOF: parent closed the pipe or exited */
      if (n < 0 && errno != EINTR && errno != EAGAIN) break;
    }
  }

  rd_kafka_mock_cluster_destroy(mcluster);
  rd_kafka_destroy(rk);
  return 0;
}
