# shellcheck shell=bash
# Shared by the fake commands: appends "<command>\t<cwd>\t<arg>\t<arg>…" to $STUB_LOG, one line per call.
stub_log() {
  local name=$1
  shift
  {
    printf '%s\t%s' "$name" "$PWD"
    printf '\t%s' "$@"
    printf '\n'
  } >>"${STUB_LOG:?STUB_LOG must be set}"
}
