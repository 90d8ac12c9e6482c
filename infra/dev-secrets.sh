#!/usr/bin/env bash
# Writes the local stack's secrets once into infra/secrets/ (git-ignored, directory mode 0700):
# master-key (base64 of 32 random bytes), admin-token, audit-signing-key (Ed25519, PKCS #8 PEM),
# neo4j-password, clickhouse-password. Existing files are kept, so the stack's data stays
# readable across runs. The files are 0644 inside the 0700 directory because compose bind-mounts
# them with their host mode and the services run as uid 1000. For the local stack only.
set -euo pipefail
dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/secrets"
mkdir -p "$dir"
chmod 0700 "$dir"

write() { # name, node expression printing the value
  local file="$dir/$1"
  if [ -s "$file" ]; then return; fi
  node -e "process.stdout.write($2)" > "$file.tmp"
  chmod 0644 "$file.tmp"
  mv "$file.tmp" "$file"
  echo "wrote $file" >&2
}

random='require("node:crypto").randomBytes'
write master-key "$random(32).toString('base64')"
write admin-token "$random(24).toString('base64url')"
write neo4j-password "$random(18).toString('base64url')"
write clickhouse-password "$random(18).toString('base64url')"
write audit-signing-key "require('node:crypto').generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' })"
