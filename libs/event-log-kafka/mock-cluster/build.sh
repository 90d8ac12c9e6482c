#!/usr/bin/env bash
# Builds the librdkafka mock-cluster launcher used by the Kafka adapter's integration tests.
# Needs gcc and librdkafka-dev (Debian bookworm: 2.0.2). Output: <repo>/.ci/bin/kafka-mock-cluster
# (git-ignored). Usage: libs/event-log-kafka/mock-cluster/build.sh [output-path]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../../.." && pwd)"
out="${1:-$repo/.ci/bin/kafka-mock-cluster}"
if [ ! -f /usr/include/librdkafka/rdkafka_mock.h ]; then
  echo "librdkafka headers not found: apt-get install -y librdkafka-dev" >&2
  exit 1
fi
mkdir -p "$(dirname "$out")"
gcc -std=c11 -D_POSIX_C_SOURCE=200809L -O2 -Wall -Wextra -Werror \
  -o "$out" "$here/kafka-mock-cluster.c" -lrdkafka
echo "built $out" >&2
