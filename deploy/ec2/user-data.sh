#!/usr/bin/env bash
# bakeoff on EC2 (Amazon Linux 2023): Docker + Compose, the project at a git ref, .env from SSM Parameter Store,
# `docker compose up`, and an auto-stop timer. launch.sh sends this file as user-data with the settings below
# filled in; cloud-init runs it once as root. It is safe to run again (`sudo bash user-data.sh`): nothing is
# installed, cloned or written twice, and unchanged files and units are left alone.
set -eEuo pipefail

# ---- settings (launch.sh prepends its values; the environment may set them too) ----
: "${BAKEOFF_REPO:=}"           # git URL of the project (required)
: "${BAKEOFF_REF:=main}"        # branch, tag or commit to run
: "${BAKEOFF_PROFILES:=}"       # compose profiles, comma-separated: xray, datadog, load
: "${AUTO_STOP_HOURS:=8}"       # power off this many hours after start (0 = never)
: "${AWS_REGION:=us-east-1}"    # region of the SSM parameters (and of X-Ray / CloudWatch)
: "${SSM_PATH:=/bakeoff/}"      # every parameter directly under it becomes one .env line
: "${BAKEOFF_STACK:=demo}"      # launch.sh --name: names the SQS queues bakeoff-<stack>-notifications(-dlq)
# AL2023 ships no docker-compose-plugin package, and its docker package bundles buildx 0.12, while Compose
# >= 2.40 refuses to build with buildx < 0.17. So both plugins come from their GitHub releases, pinned and
# checked against the release's checksums.txt.
: "${COMPOSE_VERSION:=v2.40.3}"
: "${BUILDX_VERSION:=v0.30.1}"
# ---- paths (overridable so the tests can run this in a temporary root) ----
: "${BAKEOFF_ROOT:=/opt/bakeoff}"
: "${LOG_FILE:=/var/log/bakeoff-user-data.log}"
: "${SYSTEMD_DIR:=/etc/systemd/system}"
# Docker looks here before /usr/libexec/docker/cli-plugins, so these plugins win over the distribution's buildx.
: "${CLI_PLUGINS_DIR:=/usr/local/lib/docker/cli-plugins}"

APP_DIR="$BAKEOFF_ROOT/app"
TIMER_UNIT=bakeoff-auto-stop
KNOWN_PROFILES=" xray datadog load "
# cloud-init may run us without HOME; git and the docker CLI keep state under it.
export HOME="${HOME:-/root}"

usage() {
  cat <<'EOF'
Usage: user-data.sh [--dry-run] [--help]

Sets up and starts bakeoff on Amazon Linux 2023. Settings come from the environment (or the lines launch.sh
prepends): BAKEOFF_REPO (required), BAKEOFF_REF, BAKEOFF_PROFILES, AUTO_STOP_HOURS, AWS_REGION, SSM_PATH,
COMPOSE_VERSION, BUILDX_VERSION; paths: BAKEOFF_ROOT, LOG_FILE, SYSTEMD_DIR, CLI_PLUGINS_DIR.

  --dry-run   print the settings and the steps, change nothing
  -h, --help  show this help
Everything is logged to LOG_FILE (default /var/log/bakeoff-user-data.log). Secrets are never logged.
EOF
}

log() { printf '%s %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$*"; }
die() {
  log "error: $*"
  exit 1
}

has_profile() { [[ ",$BAKEOFF_PROFILES," == *",$1,"* ]]; }

validate_settings() {
  [[ -n $BAKEOFF_REPO ]] || die "BAKEOFF_REPO is not set (the git URL of the project)"
  [[ $AUTO_STOP_HOURS =~ ^[0-9]+$ ]] || die "AUTO_STOP_HOURS must be a whole number of hours, got '$AUTO_STOP_HOURS'"
  [[ $SSM_PATH == /*/ ]] || die "SSM_PATH must start and end with '/', got '$SSM_PATH'"
  local profile profiles
  IFS=',' read -ra profiles <<<"$BAKEOFF_PROFILES"
  for profile in "${profiles[@]}"; do
    [[ $KNOWN_PROFILES == *" $profile "* ]] || die "unknown profile '$profile' (known:$KNOWN_PROFILES)"
  done
}

install_packages() {
  log "installing docker and git"
  dnf install -y docker git
  systemctl enable --now docker
}

download() { curl -fsSL --retry 3 -o "$2" "$1"; }

# install_cli_plugin NAME VERSION URL CHECKSUMS_URL: downloads one docker CLI plugin unless this version is there.
install_cli_plugin() {
  local name=$1 version=$2 url=$3 sums_url=$4
  local target="$CLI_PLUGINS_DIR/docker-$name" stamp="$CLI_PLUGINS_DIR/.docker-$name.version"
  if [[ -x $target && -f $stamp && "$(<"$stamp")" == "$version" ]]; then
    log "docker $name $version already installed"
    return
  fi
  log "installing docker $name $version"
  local tmp asset want got
  tmp=$(mktemp -d)
  download "$url" "$tmp/plugin"
  download "$sums_url" "$tmp/checksums.txt"
  asset=${url##*/}
  # checksums.txt lines are "<sha256> *<file>" or "<sha256>  <file>".
  want=$(awk -v a="$asset" '{ f = $2; sub(/^\*/, "", f); if (f == a) print $1 }' "$tmp/checksums.txt")
  got=$(sha256sum "$tmp/plugin" | cut -d' ' -f1)
  [[ -n $want && $want == "$got" ]] || die "checksum mismatch for $asset"
  mkdir -p "$CLI_PLUGINS_DIR"
  install -m 0755 "$tmp/plugin" "$target"
  printf '%s\n' "$version" >"$stamp"
  rm -rf "$tmp"
}

install_compose_plugins() {
  local compose_arch buildx_arch
  case "$(uname -m)" in
    x86_64) compose_arch=x86_64 buildx_arch=amd64 ;;
    aarch64) compose_arch=aarch64 buildx_arch=arm64 ;;
    *) die "unsupported machine $(uname -m)" ;;
  esac
  local compose="https://github.com/docker/compose/releases/download/$COMPOSE_VERSION"
  local buildx="https://github.com/docker/buildx/releases/download/$BUILDX_VERSION"
  install_cli_plugin compose "$COMPOSE_VERSION" "$compose/docker-compose-linux-$compose_arch" "$compose/checksums.txt"
  install_cli_plugin buildx "$BUILDX_VERSION" "$buildx/buildx-$BUILDX_VERSION.linux-$buildx_arch" "$buildx/checksums.txt"
}

fetch_project() {
  if [[ ! -d $APP_DIR/.git ]]; then
    log "cloning $BAKEOFF_REPO"
    mkdir -p "$BAKEOFF_ROOT"
    git clone --no-checkout "$BAKEOFF_REPO" "$APP_DIR"
  fi
  log "checking out $BAKEOFF_REF"
  git -C "$APP_DIR" remote set-url origin "$BAKEOFF_REPO"
  # Fetching the ref itself works for a branch, a tag or a commit id alike.
  git -C "$APP_DIR" fetch --depth 1 origin "$BAKEOFF_REF"
  git -C "$APP_DIR" checkout --force --detach FETCH_HEAD
}

# write_if_changed FILE MODE < content: replaces FILE only when the content differs; status 0 = it changed.
write_if_changed() {
  local file=$1 mode=$2 tmp
  mkdir -p "$(dirname "$file")"
  tmp=$(mktemp "$file.XXXXXX")
  cat >"$tmp"
  chmod "$mode" "$tmp"
  if [[ -f $file ]] && cmp -s "$tmp" "$file"; then
    rm -f "$tmp"
    return 1
  fi
  mv -f "$tmp" "$file"
}

ssm_parameters() {
  aws ssm get-parameters-by-path --region "$AWS_REGION" --path "$SSM_PATH" --with-decryption \
    --query 'Parameters[].[Name,Value]' --output text
}

# .env = deployment defaults, then what the profiles need, then every SSM parameter (which wins).
write_env() {
  declare -A values=(
    [COMPOSE_PROJECT_NAME]=bakeoff
    [COMPOSE_PROFILES]="$BAKEOFF_PROFILES"
    [PUBLISH_ADDRESS]=0.0.0.0
    [BAKEOFF_STACK]="$BAKEOFF_STACK"
  )
  # AWS_REGION tells the AWS adapters to report to real AWS, so only the xray profile (or SSM) sets it.
  if has_profile xray; then
    values[AWS_REGION]=$AWS_REGION
    values[AWS_XRAY_DAEMON_ADDRESS]=xray:2000
  fi
  if has_profile datadog; then
    values[DD_AGENT_HOST]=datadog-agent
    values[DD_TRACE_AGENT_URL]=http://datadog-agent:8126
  fi
  log "reading SSM parameters under $SSM_PATH"
  local output line name key value
  output=$(ssm_parameters)
  while IFS= read -r line; do
    [[ -n $line ]] || continue
    # Never echo the line itself: it holds a secret.
    [[ $line == "$SSM_PATH"*$'\t'* ]] || die "unexpected SSM output line (is a value multi-line?)"
    name=${line%%$'\t'*}
    value=${line#*$'\t'}
    key=${name#"$SSM_PATH"}
    [[ $key =~ ^[A-Z][A-Z0-9_]*$ ]] || die "SSM parameter $name: the part after $SSM_PATH must be an env var name"
    [[ $value != *"'"* ]] || die "SSM parameter $name: its value may not contain a single quote"
    values[$key]=$value
  done <<<"$output"

  local env_file="$APP_DIR/.env" keys
  mapfile -t keys < <(printf '%s\n' "${!values[@]}" | LC_ALL=C sort)
  if {
    echo "# Written by deploy/ec2/user-data.sh from SSM $SSM_PATH; rerun it instead of editing."
    for key in "${keys[@]}"; do printf "%s='%s'\n" "$key" "${values[$key]}"; done
  } | write_if_changed "$env_file" 600; then
    log "wrote $env_file: ${keys[*]}"
  else
    log "$env_file unchanged"
  fi
}

install_auto_stop() {
  local service="$SYSTEMD_DIR/$TIMER_UNIT.service" timer="$SYSTEMD_DIR/$TIMER_UNIT.timer" changed=0
  if [[ $AUTO_STOP_HOURS == 0 ]]; then
    if [[ -e $timer ]]; then
      log "removing the auto-stop timer (AUTO_STOP_HOURS=0)"
      systemctl disable --now "$TIMER_UNIT.timer"
      rm -f "$service" "$timer"
      systemctl daemon-reload
    fi
    return
  fi
  if write_if_changed "$service" 644 <<EOF; then changed=1; fi
[Unit]
Description=Power off this bakeoff instance so a forgotten one does not bill all month

[Service]
Type=oneshot
ExecStart=/usr/bin/systemctl poweroff
EOF
  # OnActiveSec counts from when the timer starts (each boot), so `systemctl restart` postpones it.
  if write_if_changed "$timer" 644 <<EOF; then changed=1; fi
[Unit]
Description=Power off this bakeoff instance ${AUTO_STOP_HOURS}h after it starts

[Timer]
OnActiveSec=${AUTO_STOP_HOURS}h
AccuracySec=1min

[Install]
WantedBy=timers.target
EOF
  systemctl enable "$TIMER_UNIT.timer"
  if ((changed)); then
    log "auto-stop timer set: power off ${AUTO_STOP_HOURS}h from now"
    systemctl daemon-reload
    systemctl restart "$TIMER_UNIT.timer"
  else
    log "auto-stop timer unchanged"
    systemctl start "$TIMER_UNIT.timer"
  fi
}

compose_up() {
  local args=() profile profiles
  IFS=',' read -ra profiles <<<"$BAKEOFF_PROFILES"
  for profile in "${profiles[@]}"; do args+=(--profile "$profile"); done
  log "starting: docker compose ${args[*]} up -d --build"
  cd "$APP_DIR"
  docker compose "${args[@]}" up -d --build
  docker compose "${args[@]}" ps
}

main() {
  local dry_run=0
  while (($#)); do
    case $1 in
      --dry-run) dry_run=1 ;;
      -h | --help) usage && return 0 ;;
      *) usage >&2 && return 2 ;;
    esac
    shift
  done
  validate_settings
  if ((dry_run)); then
    cat <<EOF
repo=$BAKEOFF_REPO ref=$BAKEOFF_REF profiles=${BAKEOFF_PROFILES:-none} auto-stop=${AUTO_STOP_HOURS}h region=$AWS_REGION
steps: dnf install docker git; compose $COMPOSE_VERSION + buildx $BUILDX_VERSION into $CLI_PLUGINS_DIR;
       clone/fetch into $APP_DIR; write $APP_DIR/.env from SSM $SSM_PATH; $TIMER_UNIT.timer in $SYSTEMD_DIR;
       docker compose up -d --build (log: $LOG_FILE)
EOF
    return 0
  fi

  mkdir -p "$(dirname "$LOG_FILE")"
  # fd 3 keeps the console (cloud-init copies it to the EC2 console output) for a one-line verdict at the end.
  exec 3>&2 >>"$LOG_FILE" 2>&1
  trap 'log "failed at line $LINENO: $BASH_COMMAND"' ERR
  trap 'report $?' EXIT
  log "bakeoff user-data: ref=$BAKEOFF_REF profiles=${BAKEOFF_PROFILES:-none} auto-stop=${AUTO_STOP_HOURS}h"
  install_packages
  install_compose_plugins
  fetch_project
  write_env
  install_auto_stop
  compose_up
  log "done"
}

report() {
  if (($1 == 0)); then
    echo "bakeoff user-data: done (log: $LOG_FILE)" >&3
  else
    { echo "bakeoff user-data: FAILED (exit $1). Last lines of $LOG_FILE:" && tail -n 30 "$LOG_FILE"; } >&3
  fi
}

main "$@"
