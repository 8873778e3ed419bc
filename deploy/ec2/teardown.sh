#!/usr/bin/env bash
# Removes what launch.sh created for one deployment: its instances (tag bakeoff=<name>), its security group,
# and its instance profile and IAM role (bakeoff-<name>-ec2). SSM parameters under /bakeoff/ are yours and stay.
set -euo pipefail

XRAY_POLICY_ARN=arn:aws:iam::aws:policy/AWSXrayWriteOnlyAccess
INLINE_POLICY_NAME=bakeoff-runtime
: "${TEARDOWN_RETRY_SECONDS:=10}" # wait between tries while a terminated instance releases its security group

NAME=demo
REGION="${AWS_REGION:-${AWS_DEFAULT_REGION:-}}"
DRY_RUN=0

usage() {
  cat <<'EOF'
Usage: deploy/ec2/teardown.sh [options]

Terminates the instances tagged bakeoff=NAME, then deletes the security group tagged bakeoff=NAME and the
instance profile and role bakeoff-NAME-ec2 (only if the role carries the tag bakeoff=NAME), and the SQS queues
bakeoff-NAME-notifications and bakeoff-NAME-notifications-dlq if the app created them in real SQS.

Options:
  --name NAME       deployment name given to launch.sh (default demo)
  --region REGION   AWS region (default $AWS_REGION, $AWS_DEFAULT_REGION or the CLI's configured region)
  --dry-run         list what would be removed, remove nothing
  -h, --help        show this help
EOF
}

die() {
  echo "teardown.sh: $*" >&2
  exit 1
}

# A call that deletes something; in dry-run mode it is only printed.
remove() {
  if ((DRY_RUN)); then
    printf '[dry-run]%s\n' "$(printf ' %q' aws "$@")" >&2
    return 0
  fi
  aws "$@"
}

# Runs an AWS call whose only acceptable failure is "it is already gone".
remove_if_present() {
  local err
  if ((DRY_RUN)); then
    remove "$@"
    return 0
  fi
  if ! err=$(aws "$@" 2>&1 >/dev/null); then
    [[ $err == *NoSuchEntity* ]] || die "aws $1 $2 failed: $err"
  fi
}

# Prints the words of a text-output AWS answer one per line, dropping "None".
words() { tr '\t' '\n' | sed '/^None$/d;/^$/d'; }

parse_args() {
  while (($#)); do
    case $1 in
      --name) NAME=${2:?--name needs a value} && shift ;;
      --region) REGION=${2:?--region needs a value} && shift ;;
      --dry-run) DRY_RUN=1 ;;
      -h | --help) usage && exit 0 ;;
      *) usage >&2 && die "unknown option $1" ;;
    esac
    shift
  done
  [[ $NAME =~ ^[a-z0-9][a-z0-9-]{0,31}$ ]] || die "--name must be 1-32 of a-z, 0-9, '-', got '$NAME'"
  if [[ -z $REGION ]]; then
    REGION=$(aws configure get region 2>/dev/null) || true
    [[ -n $REGION ]] || die "pass --region (or set AWS_REGION)"
  fi
  export AWS_REGION=$REGION AWS_DEFAULT_REGION=$REGION
}

terminate_instances() {
  local found ids
  found=$(aws ec2 describe-instances \
    --filters "Name=tag:bakeoff,Values=$NAME" "Name=instance-state-name,Values=pending,running,stopping,stopped" \
    --query 'Reservations[].Instances[].InstanceId' --output text)
  mapfile -t ids < <(words <<<"$found")
  if ((${#ids[@]} == 0)); then
    echo "No instances tagged bakeoff=$NAME" >&2
    return
  fi
  echo "Terminating ${ids[*]}" >&2
  remove ec2 terminate-instances --instance-ids "${ids[@]}" >/dev/null
  if ((!DRY_RUN)); then aws ec2 wait instance-terminated --instance-ids "${ids[@]}"; fi
}

delete_security_groups() {
  local found ids id attempt err
  found=$(aws ec2 describe-security-groups --filters "Name=tag:bakeoff,Values=$NAME" \
    --query 'SecurityGroups[].GroupId' --output text)
  mapfile -t ids < <(words <<<"$found")
  for id in "${ids[@]}"; do
    echo "Deleting security group $id" >&2
    if ((DRY_RUN)); then
      remove ec2 delete-security-group --group-id "$id"
      continue
    fi
    # A just-terminated instance's network interface can hold the group for a little while.
    for attempt in 1 2 3 4 5 6; do
      if err=$(aws ec2 delete-security-group --group-id "$id" 2>&1 >/dev/null); then break; fi
      [[ $err == *DependencyViolation* && $attempt -lt 6 ]] || die "deleting $id failed: $err"
      sleep "$TEARDOWN_RETRY_SECONDS"
    done
  done
}

delete_role() {
  local role="bakeoff-$NAME-ec2" tag
  if aws iam get-instance-profile --instance-profile-name "$role" >/dev/null 2>&1; then
    echo "Deleting instance profile $role" >&2
    remove_if_present iam remove-role-from-instance-profile --instance-profile-name "$role" --role-name "$role"
    remove_if_present iam delete-instance-profile --instance-profile-name "$role"
  fi
  if ! tag=$(aws iam get-role --role-name "$role" --query "Role.Tags[?Key=='bakeoff'].Value | [0]" \
    --output text 2>/dev/null); then
    echo "No IAM role $role" >&2
    return
  fi
  # Never delete a role of the same name that launch.sh did not create.
  [[ $tag == "$NAME" ]] || die "IAM role $role is not tagged bakeoff=$NAME; leaving it alone"
  echo "Deleting IAM role $role" >&2
  remove_if_present iam detach-role-policy --role-name "$role" --policy-arn "$XRAY_POLICY_ARN"
  remove_if_present iam delete-role-policy --role-name "$role" --policy-name "$INLINE_POLICY_NAME"
  remove iam delete-role --role-name "$role"
}

# The notifications queues the app created in real SQS (only when AWS_REGION reached its .env, e.g. the xray
# profile): bakeoff-NAME-notifications and its -dlq. A queue that does not exist is fine.
delete_queues() {
  local queue url
  for queue in "bakeoff-$NAME-notifications" "bakeoff-$NAME-notifications-dlq"; do
    if ! url=$(aws sqs get-queue-url --queue-name "$queue" --query QueueUrl --output text 2>/dev/null); then
      echo "No SQS queue $queue" >&2
      continue
    fi
    echo "Deleting SQS queue $queue" >&2
    remove sqs delete-queue --queue-url "$url"
  done
}

main() {
  parse_args "$@"
  echo "Tearing down bakeoff '$NAME' in $REGION" >&2
  terminate_instances
  delete_security_groups
  delete_role
  delete_queues
  echo "Done. SSM parameters under /bakeoff/ were kept (see docs/ec2.md to delete them)." >&2
}

main "$@"
