#!/usr/bin/env bash
# Starts nchan (Debian's nginx + libnginx-mod-nchan), the peer the load tool measures Herald
# against: one worker, memory store, a publisher location and an EventSource subscriber.
#   tests/load/nchan.sh start PORT [CPU]   prints the pid of the one worker (the server measured)
#   tests/load/nchan.sh stop
# NCHAN_BUFFER=N keeps the last N messages per channel (default 1000): a subscriber resumes
# (Last-Event-ID) only from an id still in the buffer, and gets nothing from an older one.
# Publish:   POST http://127.0.0.1:PORT/pub?id=CHANNEL   (body = event data)
# Subscribe: GET  http://127.0.0.1:PORT/sub/CHANNEL      (text/event-stream)
set -euo pipefail

dir="${TMPDIR:-/tmp}/herald-nchan"
case "${1:-}" in
  start)
    port="${2:?port}"
    cpu="${3:-}"
    mkdir -p "$dir/logs" "$dir/tmp"
    cat >"$dir/nginx.conf" <<CONF
load_module /usr/lib/nginx/modules/ngx_nchan_module.so;
worker_processes 1;
worker_rlimit_nofile 19000;
pid $dir/nginx.pid;
error_log $dir/logs/error.log warn;
events {
  worker_connections 18000;
  multi_accept on;
}
http {
  access_log off;
  keepalive_requests 100000000;
  keepalive_timeout 600s;
  client_body_temp_path $dir/tmp;
  proxy_temp_path $dir/tmp;
  fastcgi_temp_path $dir/tmp;
  uwsgi_temp_path $dir/tmp;
  scgi_temp_path $dir/tmp;
  nchan_max_reserved_memory 512M;
  server {
    listen 127.0.0.1:$port backlog=16384;
    location = /pub {
      nchan_publisher;
      nchan_channel_id \$arg_id;
      nchan_message_buffer_length ${NCHAN_BUFFER:-1000};
      nchan_message_timeout 1h;
    }
    location ~ ^/sub/(.+)$ {
      nchan_subscriber eventsource;
      nchan_channel_id \$1;
    }
  }
}
CONF
    ulimit -n "$(ulimit -Hn)"
    if [[ -n "$cpu" ]]; then
      taskset -c "$cpu" nginx -c "$dir/nginx.conf" -p "$dir"
    else
      nginx -c "$dir/nginx.conf" -p "$dir"
    fi
    for _ in $(seq 50); do
      [[ -s "$dir/nginx.pid" ]] && break
      sleep 0.1
    done
    for _ in $(seq 50); do
      worker=$(pgrep -P "$(cat "$dir/nginx.pid")" | head -1)
      [[ -n "$worker" ]] && break
      sleep 0.1
    done
    echo "$worker"
    ;;
  stop)
    [[ -s "$dir/nginx.pid" ]] && kill "$(cat "$dir/nginx.pid")" 2>/dev/null || true
    for _ in $(seq 50); do
      [[ -e "$dir/nginx.pid" ]] || break
      sleep 0.1
    done
    ;;
  *)
    echo "usage: $0 start PORT [CPU] | stop" >&2
    exit 2
    ;;
esac
