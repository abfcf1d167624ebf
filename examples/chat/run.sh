#!/usr/bin/env bash
# Runs the chat: builds heraldd and heraldctl if needed, starts heraldd with a fresh token
# secret, creates the rooms (topics that allow browser publishing) and starts the backend
# that serves the page and mints tokens. Stop with Ctrl-C.
#
#   examples/chat/run.sh            # http://127.0.0.1:3000/
#   CHAT_PORT=4000 HERALD_HTTP_PORT=9080 HERALD_GRPC_PORT=9051 examples/chat/run.sh
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

CHAT_PORT="${CHAT_PORT:-3000}"
CHAT_ROOMS="${CHAT_ROOMS:-lobby,random,help}"
herald_build

# A secret shared by heraldd (which verifies tokens) and the backend (which signs them) only.
secret_dir="$(mktemp -d)"
secret="$secret_dir/secret"
head -c 48 /dev/urandom | base64 -w0 >"$secret"
chmod 600 "$secret"
trap 'stop_started; rm -rf "$secret_dir"' EXIT

# The page comes from the backend's origin and talks to heraldd's: allow only that origin.
herald_start --access_token_secret_file="$secret" \
  --allowed_origins="http://127.0.0.1:$CHAT_PORT,http://localhost:$CHAT_PORT"
for room in ${CHAT_ROOMS//,/ }; do
  herald_topic "chat.$room" --allow-browser-publish=true --max-events=500
done

CHAT_PORT="$CHAT_PORT" CHAT_ROOMS="$CHAT_ROOMS" HERALD_URL="$herald_url" \
  HERALD_SECRET_FILE="$secret" node "$root/examples/chat/server.js" &
herald_track $!
echo "chat: open http://127.0.0.1:$CHAT_PORT/ in two browser windows (Ctrl-C stops)"
wait -n
