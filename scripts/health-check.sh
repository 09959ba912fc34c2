#!/bin/sh
# Is mcp-orchestrator healthy? Exit 0 when GET /health answers 200 with "status":"healthy" (or
# "degraded": an MCP server it uses is down, the server itself works); 3 when the disk holding
# DATA_DIR is full ("store_error":"full": a restart cannot help); 1 otherwise (with the reason on
# stderr). Used by the systemd units; usable by hand:
#
#   scripts/health-check.sh                       # http://$HOST:$PORT/health (127.0.0.1:5060)
#   scripts/health-check.sh --url http://127.0.0.1:8088/mcp/health
#   scripts/health-check.sh --wait 30             # poll until healthy, at most 30 s
#   scripts/health-check.sh --retries 3           # unhealthy only after 3 failures in a row
#
# Options: --url URL, --timeout SECONDS (per request, default 5), --wait SECONDS, --retries N,
# --quiet. Needs curl.
set -u

host=${HOST:-127.0.0.1}
case "$host" in 0.0.0.0 | '' ) host=127.0.0.1 ;; :: | '[::]') host='[::1]' ;; esac
url="http://${host}:${PORT:-5060}/health"
timeout=5
wait_s=0
retries=1
quiet=0

while [ $# -gt 0 ]; do
  case "$1" in
    --url) url=$2; shift 2 ;;
    --timeout) timeout=$2; shift 2 ;;
    --wait) wait_s=$2; shift 2 ;;
    --retries) retries=$2; shift 2 ;;
    --quiet) quiet=1; shift ;;
    -h | --help) sed -n '2,14p' "$0"; exit 0 ;;
    *) echo "health-check: unknown option $1" >&2; exit 2 ;;
  esac
done

command -v curl >/dev/null 2>&1 || { echo "health-check: curl is not installed" >&2; exit 2; }

# One probe: 0 when healthy; otherwise prints why.
probe() {
  body=$(curl --silent --show-error --max-time "$timeout" --write-out '\n%{http_code}' "$url" 2>&1)
  code=$(printf '%s' "$body" | tail -n 1)
  body=$(printf '%s' "$body" | sed '$d')
  if [ "$code" = 200 ] && printf '%s' "$body" | grep -Eq '"status":"(healthy|degraded)"'; then
    [ "$quiet" = 1 ] || printf 'healthy: %s\n' "$body"
    return 0
  fi
  reason="HTTP $code: $body"
  disk_full=0
  if printf '%s' "$body" | grep -q '"store_error":"full"'; then disk_full=1; fi
  return 1
}

deadline=$(( $(date +%s) + wait_s ))
failures=0
while :; do
  if probe; then exit 0; fi
  failures=$((failures + 1))
  if [ "$(date +%s)" -ge "$deadline" ] && [ "$failures" -ge "$retries" ]; then
    echo "unhealthy ($url): $reason" >&2
    if [ "$disk_full" = 1 ]; then
      echo "the disk holding DATA_DIR is full: free space (the server recovers by itself); a restart would lose what it holds" >&2
      exit 3
    fi
    exit 1
  fi
  sleep 1
done
