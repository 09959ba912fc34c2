#!/usr/bin/env bash
# Install mcp-orchestrator as a systemd service. Idempotent: run it again to upgrade in place.
# It never deletes data, never overwrites /etc/mcp-orchestrator/env, and never stops a running
# server except by the final `systemctl restart` (skip that with --no-start).
#
#   sudo scripts/install.sh               # install from this checkout to /opt/mcp-orchestrator
#   scripts/install.sh --dry-run          # print every step, change nothing (no root needed)
#
# Options: --dry-run, --no-start, --prefix DIR (default /opt/mcp-orchestrator),
#          --data-dir DIR (default /var/lib/mcp-orchestrator), --user NAME (default mcp-orchestrator),
#          --cluster PORTS (e.g. 5061,5062,5063: also install mcp-orchestrator@.service and run one
#          instance per port on Redis, for Caddyfile.cluster, instead of mcp-orchestrator.service)
set -euo pipefail

SRC=$(cd "$(dirname "$0")/.." && pwd)
PREFIX=/opt/mcp-orchestrator
DATA_DIR=/var/lib/mcp-orchestrator
SERVICE_USER=mcp-orchestrator
ETC=/etc/mcp-orchestrator
UNIT_DIR=/etc/systemd/system
DRY=0
START=1
CLUSTER_PORTS=

while [ $# -gt 0 ]; do
  case "$1" in
    --dry-run) DRY=1; shift ;;
    --no-start) START=0; shift ;;
    --prefix) PREFIX=$2; shift 2 ;;
    --data-dir) DATA_DIR=$2; shift 2 ;;
    --user) SERVICE_USER=$2; shift 2 ;;
    --cluster)
      CLUSTER_PORTS=${2-}
      [ -n "$CLUSTER_PORTS" ] || { echo "install.sh: --cluster needs ports, e.g. --cluster 5061,5062,5063" >&2; exit 2; }
      shift 2 ;;
    -h | --help) sed -n '2,12p' "$0"; exit 0 ;;
    *) echo "install.sh: unknown option $1" >&2; exit 2 ;;
  esac
done

# --cluster: ports, comma-separated, each a number from 1024 to 65535.
INSTANCES=
if [ -n "$CLUSTER_PORTS" ]; then
  for port in $(printf '%s' "$CLUSTER_PORTS" | tr ',' ' '); do
    case "$port" in *[!0-9]* | '') echo "install.sh: --cluster: '$port' is not a port" >&2; exit 2 ;; esac
    if [ "$port" -lt 1024 ] || [ "$port" -gt 65535 ]; then echo "install.sh: --cluster: port $port is not in 1024-65535" >&2; exit 2; fi
    INSTANCES="$INSTANCES mcp-orchestrator@$port.service"
  done
  INSTANCES=${INSTANCES# }
fi

run() {
  echo "+ $*"
  if [ "$DRY" = 0 ]; then "$@"; fi
}

# Write stdin to a file (shown, not written, in a dry run).
write_file() {
  local dest=$1 mode=$2 content
  content=$(cat)
  echo "+ write $dest (mode $mode)"
  if [ "$DRY" = 1 ]; then printf '%s\n' "$content" | sed 's/^/    /'; return; fi
  printf '%s\n' "$content" >"$dest.tmp" && chmod "$mode" "$dest.tmp" && mv "$dest.tmp" "$dest"
}

if [ "$DRY" = 0 ] && [ "$(id -u)" != 0 ]; then echo "install.sh: run as root (or with --dry-run)" >&2; exit 1; fi
for tool in node npm curl; do
  command -v "$tool" >/dev/null 2>&1 || { echo "install.sh: $tool is required" >&2; exit 1; }
done
if [ "$DRY" = 0 ]; then command -v systemctl >/dev/null 2>&1 || { echo "install.sh: systemd is required" >&2; exit 1; }; fi
node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>20||(a===20&&b>=19)?0:1)' ||
  { echo "install.sh: Node.js 20.19 or newer is required (found $(node --version))" >&2; exit 1; }

echo "== install mcp-orchestrator from $SRC to $PREFIX (data in $DATA_DIR, user $SERVICE_USER)"

# 1. The service user: a system account with no shell and no home of its own.
if id -u "$SERVICE_USER" >/dev/null 2>&1; then
  echo "= user $SERVICE_USER exists"
else
  run useradd --system --user-group --home-dir "$DATA_DIR" --no-create-home --shell /usr/sbin/nologin "$SERVICE_USER"
fi

# 2. Directories. The code is owned by root (the service cannot change it); data by the service.
run install -d -m 0755 "$PREFIX"
run install -d -m 0750 -o "$SERVICE_USER" -g "$SERVICE_USER" "$DATA_DIR"
run install -d -m 0750 -g "$SERVICE_USER" "$ETC"

# 3. The code: copy the checkout (no data, no node_modules, no .env), then build there.
if [ "$SRC" != "$PREFIX" ]; then
  run sh -c "tar -C '$SRC' --exclude=./node_modules --exclude=./data --exclude=./dist --exclude=./.git --exclude=./.env -cf - . | tar -C '$PREFIX' --no-same-owner -xf -"
fi
run sh -c "cd '$PREFIX' && npm ci --no-audit --no-fund && npm run build && npm prune --omit=dev --no-audit --no-fund"
run chmod 0755 "$PREFIX/scripts/health-check.sh"

# 4. Settings: created once with safe defaults; an existing file is never touched.
if [ -e "$ETC/env" ]; then
  echo "= $ETC/env exists (kept)"
else
  write_file "$ETC/env" 0640 <<ENV
# mcp-orchestrator settings (see docs/operations.md and the README's configuration table).
HOST=127.0.0.1
PORT=5060
DATA_DIR=$DATA_DIR
LOG_LEVEL=info
# Caddy on this host is the trusted proxy (its X-Forwarded-* give the /mcp prefix).
TRUST_PROXY=loopback
# A second loopback port for browsers and fetch clients, which refuse 5060; 0 turns it off.
ALT_PORT=5070
# ALLOWED_HOSTS=mcp.example.org
# PUBLIC_BASE_URL=https://example.org/mcp
# API_KEYS=
# OPENAI_API_KEY=
${INSTANCES:+# The instances of mcp-orchestrator@.service share this Redis (each sets its own PORT, INSTANCE_TAG,
# ALT_PORT=0 and STORE=redis on its command line; the values above are for mcp-orchestrator.service).
REDIS_URL=redis://127.0.0.1:6379}
ENV
  run chgrp "$SERVICE_USER" "$ETC/env"
fi
if [ -n "$INSTANCES" ] && ! command -v redis-server >/dev/null 2>&1; then
  echo "note: no redis-server here; the instances need the Redis of REDIS_URL in $ETC/env (apt-get install -y redis-server, docs/operations.md)"
fi

# 5. Units, with this install's paths and user.
UNITS="mcp-orchestrator.service mcp-orchestrator-health.service mcp-orchestrator-health.timer${INSTANCES:+ mcp-orchestrator@.service}"
for unit in $UNITS; do
  sed -e "s#/opt/mcp-orchestrator#$PREFIX#g" -e "s#/var/lib/mcp-orchestrator#$DATA_DIR#g" \
    -e "s#^User=mcp-orchestrator#User=$SERVICE_USER#" -e "s#^Group=mcp-orchestrator#Group=$SERVICE_USER#" \
    "$SRC/scripts/$unit" | write_file "$UNIT_DIR/$unit" 0644
done

# node outside systemd's default PATH (nvm, a tarball in /opt): tell the unit where it is.
NODE_DIR=$(dirname "$(command -v node)")
case ":/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:" in
  *":$NODE_DIR:"*) ;;
  *)
    for service in mcp-orchestrator.service ${INSTANCES:+mcp-orchestrator@.service}; do
      run install -d -m 0755 "$UNIT_DIR/$service.d"
      printf '[Service]\nEnvironment=PATH=%s:/usr/local/bin:/usr/bin:/bin\n' "$NODE_DIR" |
        write_file "$UNIT_DIR/$service.d/node-path.conf" 0644
    done
    ;;
esac

# 6. Enable; restart so an upgrade takes effect.
run systemctl daemon-reload
if [ -n "$INSTANCES" ]; then
  # Scale-out: the instances instead of the single server (left as it is: stop it yourself with
  # `systemctl disable --now mcp-orchestrator mcp-orchestrator-health.timer` once Caddy points here).
  # shellcheck disable=SC2086 # one word per instance
  run systemctl enable $INSTANCES
  if [ "$START" = 1 ]; then
    # shellcheck disable=SC2086
    run systemctl restart $INSTANCES
    echo "== started $INSTANCES; check: systemctl status 'mcp-orchestrator@*'; serve them with Caddyfile.cluster"
  else
    echo "== installed, not started: systemctl start $INSTANCES"
  fi
  exit 0
fi
run systemctl enable mcp-orchestrator.service mcp-orchestrator-health.timer
if [ "$START" = 1 ]; then
  run systemctl restart mcp-orchestrator.service
  run systemctl start mcp-orchestrator-health.timer
  echo "== started; check: systemctl status mcp-orchestrator; $PREFIX/scripts/health-check.sh"
else
  echo "== installed, not started: systemctl start mcp-orchestrator mcp-orchestrator-health.timer"
fi
