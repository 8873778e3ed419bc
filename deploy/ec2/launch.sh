#!/usr/bin/env bash
# Launches bakeoff on one EC2 instance (Amazon Linux 2023) with the AWS CLI: a security group open only to your
# IP, an instance role for X-Ray, CloudWatch Logs and the /bakeoff/ SSM parameters, and user-data.sh as
# user-data. Everything it creates is tagged bakeoff=<name>; teardown.sh removes it. See docs/ec2.md.
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
AMI_PARAMETER_PREFIX=/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default
XRAY_POLICY_ARN=arn:aws:iam::aws:policy/AWSXrayWriteOnlyAccess
INLINE_POLICY_NAME=bakeoff-runtime
# Ports opened to the caller: the activities API and the sandbox UI.
PUBLIC_PORTS=(4567 4400)
: "${LAUNCH_RETRY_SECONDS:=10}" # wait between tries while a new instance profile propagates

NAME=demo
REGION="${AWS_REGION:-${AWS_DEFAULT_REGION:-}}"
INSTANCE_TYPE=t3.small
REPO=""
REF=main
PROFILES=""
AUTO_STOP_HOURS=8
VOLUME_GB=20
KEY_NAME=""
SUBNET_ID=""
CALLER_IP=""
DRY_RUN=0
WORK=""

usage() {
  cat <<'EOF'
Usage: deploy/ec2/launch.sh [options]

Creates (or reuses) a security group, an IAM role + instance profile, and launches one instance that runs
bakeoff with docker compose. Secrets are not passed here: put them in SSM Parameter Store under /bakeoff/.

Options:
  --name NAME            deployment name, tag bakeoff=NAME (default demo; a-z, 0-9, -)
  --region REGION        AWS region (default $AWS_REGION, $AWS_DEFAULT_REGION or the CLI's configured region)
  --repo URL             git URL the instance clones (default: this checkout's `origin` remote)
  --ref REF              branch, tag or commit to run (default main)
  --profiles LIST        compose profiles: xray, datadog, load, comma-separated (default none)
  --instance-type TYPE   default t3.small
  --auto-stop-hours N    power off N hours after each start, 0 = never (default 8)
  --volume-gb N          root volume size (default 20)
  --key-name NAME        EC2 key pair for SSH; also opens port 22 to your IP
  --subnet-id ID         launch into this subnet (default: the default VPC); it must assign public IPv4
  --ip ADDRESS           your public IPv4 address (default: asked from https://checkip.amazonaws.com)
  --dry-run              print the AWS calls instead of making them
  -h, --help             show this help
EOF
}

die() {
  echo "launch.sh: $*" >&2
  exit 1
}

# Shows a command in dry-run mode (on stderr, so it never mixes with captured output).
show() { printf '[dry-run]%s\n' "$(printf ' %q' "$@")" >&2; }

# An AWS call that changes something. In dry-run mode it is printed and answers a placeholder.
mutate() {
  if ((DRY_RUN)); then
    show aws "$@"
    echo "dry-run-id"
    return 0
  fi
  aws "$@"
}

# The caller's public IPv4 address, as AWS sees it.
detect_caller_ip() { curl -fsS --max-time 10 https://checkip.amazonaws.com; }

valid_ipv4() {
  local ip=$1 octet
  [[ $ip =~ ^[0-9]{1,3}(\.[0-9]{1,3}){3}$ ]] || return 1
  IFS=. read -ra octets <<<"$ip"
  for octet in "${octets[@]}"; do ((10#$octet <= 255)) || return 1; done
}

parse_args() {
  while (($#)); do
    case $1 in
      --name) NAME=${2:?--name needs a value} && shift ;;
      --region) REGION=${2:?--region needs a value} && shift ;;
      --repo) REPO=${2:?--repo needs a value} && shift ;;
      --ref) REF=${2:?--ref needs a value} && shift ;;
      --profiles) PROFILES=${2?--profiles needs a value} && shift ;;
      --instance-type) INSTANCE_TYPE=${2:?--instance-type needs a value} && shift ;;
      --auto-stop-hours) AUTO_STOP_HOURS=${2:?--auto-stop-hours needs a value} && shift ;;
      --volume-gb) VOLUME_GB=${2:?--volume-gb needs a value} && shift ;;
      --key-name) KEY_NAME=${2:?--key-name needs a value} && shift ;;
      --subnet-id) SUBNET_ID=${2:?--subnet-id needs a value} && shift ;;
      --ip) CALLER_IP=${2:?--ip needs a value} && shift ;;
      --dry-run) DRY_RUN=1 ;;
      -h | --help) usage && exit 0 ;;
      *) usage >&2 && die "unknown option $1" ;;
    esac
    shift
  done
}

validate() {
  [[ $NAME =~ ^[a-z0-9][a-z0-9-]{0,31}$ ]] || die "--name must be 1-32 of a-z, 0-9, '-', got '$NAME'"
  [[ $AUTO_STOP_HOURS =~ ^[0-9]+$ ]] || die "--auto-stop-hours must be a whole number"
  [[ $VOLUME_GB =~ ^[0-9]+$ ]] || die "--volume-gb must be a whole number"
  local profile profiles
  IFS=',' read -ra profiles <<<"$PROFILES"
  for profile in "${profiles[@]}"; do
    [[ $profile =~ ^(xray|datadog|load)$ ]] || die "unknown profile '$profile' (known: xray, datadog, load)"
  done
  if [[ -z $REPO ]]; then
    REPO=$(git -C "$SCRIPT_DIR" remote get-url origin 2>/dev/null) || die "pass --repo URL (no git remote 'origin' here)"
  fi
  if [[ -z $REGION ]]; then
    REGION=$(aws configure get region 2>/dev/null) || true
    [[ -n $REGION ]] || die "pass --region (or set AWS_REGION)"
  fi
  if [[ -z $CALLER_IP ]]; then
    CALLER_IP=$(detect_caller_ip | tr -d '[:space:]') || die "could not detect your IP; pass --ip ADDRESS"
  fi
  valid_ipv4 "$CALLER_IP" || die "not an IPv4 address: '$CALLER_IP'"
}

# user-data.sh with this launch's settings prepended (it reads them with ${VAR:=default}).
render_user_data() {
  {
    echo '#!/usr/bin/env bash'
    echo "# Settings from deploy/ec2/launch.sh --name $NAME"
    printf 'BAKEOFF_REPO=%q\nBAKEOFF_REF=%q\nBAKEOFF_PROFILES=%q\nAUTO_STOP_HOURS=%q\nAWS_REGION=%q\nBAKEOFF_STACK=%q\n' \
      "$REPO" "$REF" "$PROFILES" "$AUTO_STOP_HOURS" "$REGION" "$NAME"
    tail -n +2 "$SCRIPT_DIR/user-data.sh"
  } >"$1"
  # EC2 refuses user-data over 16 KB.
  (($(wc -c <"$1") <= 16384)) || die "rendered user-data is over 16 KB"
}

trust_policy() {
  cat <<'EOF'
{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}
EOF
}

# Least privilege for the instance: read its own SSM parameters, write logs to bakeoff* log groups, and use
# (create, send to, poll, delete) the notifications queues bakeoff-<name>-notifications and its -dlq.
runtime_policy() {
  local account=$1
  cat <<EOF
{"Version":"2012-10-17","Statement":[
{"Sid":"ReadBakeoffParameters","Effect":"Allow","Action":"ssm:GetParametersByPath",
 "Resource":["arn:aws:ssm:$REGION:$account:parameter/bakeoff","arn:aws:ssm:$REGION:$account:parameter/bakeoff/*"]},
{"Sid":"WriteBakeoffLogs","Effect":"Allow",
 "Action":["logs:CreateLogGroup","logs:CreateLogStream","logs:DescribeLogStreams","logs:PutLogEvents","logs:PutRetentionPolicy"],
 "Resource":"arn:aws:logs:$REGION:$account:log-group:bakeoff*"},
{"Sid":"UseBakeoffQueues","Effect":"Allow",
 "Action":["sqs:CreateQueue","sqs:GetQueueUrl","sqs:GetQueueAttributes","sqs:SetQueueAttributes","sqs:SendMessage",
  "sqs:ReceiveMessage","sqs:DeleteMessage","sqs:ChangeMessageVisibility","sqs:DeleteQueue"],
 "Resource":"arn:aws:sqs:$REGION:$account:bakeoff-$NAME-notifications*"}]}
EOF
}

ensure_security_group() {
  local vpc sg_name="bakeoff-$NAME" sg=""
  if [[ -n $SUBNET_ID ]]; then
    vpc=$(aws ec2 describe-subnets --subnet-ids "$SUBNET_ID" --query 'Subnets[0].VpcId' --output text)
  elif ((DRY_RUN)); then
    vpc=dry-run-vpc
  else
    vpc=$(aws ec2 describe-vpcs --filters Name=is-default,Values=true --query 'Vpcs[0].VpcId' --output text)
  fi
  [[ -n $vpc && $vpc != None ]] || die "no default VPC in $REGION; pass --subnet-id"
  if ((!DRY_RUN)); then
    sg=$(aws ec2 describe-security-groups --filters "Name=group-name,Values=$sg_name" "Name=vpc-id,Values=$vpc" \
      --query 'SecurityGroups[0].GroupId' --output text)
  fi
  if [[ -z $sg || $sg == None ]]; then
    sg=$(mutate ec2 create-security-group --group-name "$sg_name" --vpc-id "$vpc" \
      --description "bakeoff $NAME: only the launcher's IP" \
      --tag-specifications "ResourceType=security-group,Tags=[{Key=bakeoff,Value=$NAME}]" \
      --query GroupId --output text)
    echo "Created security group $sg ($sg_name)" >&2
  else
    echo "Reusing security group $sg ($sg_name)" >&2
  fi
  local cidr="$CALLER_IP/32" port ports=("${PUBLIC_PORTS[@]}") err
  [[ $cidr != 0.0.0.0/* ]] || die "refusing to open the instance to the whole internet"
  if [[ -n $KEY_NAME ]]; then ports+=(22); fi
  for port in "${ports[@]}"; do
    local rule="IpProtocol=tcp,FromPort=$port,ToPort=$port,IpRanges=[{CidrIp=$cidr,Description=bakeoff-launcher}]"
    if ((DRY_RUN)); then
      mutate ec2 authorize-security-group-ingress --group-id "$sg" --ip-permissions "$rule" >/dev/null
    elif ! err=$(aws ec2 authorize-security-group-ingress --group-id "$sg" --ip-permissions "$rule" 2>&1 >/dev/null); then
      # A reused group may already have this rule.
      [[ $err == *InvalidPermission.Duplicate* ]] || die "opening port $port failed: $err"
    fi
  done
  SECURITY_GROUP_ID=$sg
}

ensure_instance_role() {
  local role="bakeoff-$NAME-ec2" account
  if ((DRY_RUN)); then
    account=123456789012
  else
    account=$(aws sts get-caller-identity --query Account --output text)
  fi
  trust_policy >"$WORK/trust.json"
  runtime_policy "$account" >"$WORK/runtime.json"
  if ((DRY_RUN)) || ! aws iam get-role --role-name "$role" >/dev/null 2>&1; then
    mutate iam create-role --role-name "$role" --assume-role-policy-document "file://$WORK/trust.json" \
      --description "bakeoff $NAME instance role" --tags "Key=bakeoff,Value=$NAME" >/dev/null
    echo "Created IAM role $role" >&2
  fi
  # Both calls are idempotent: attaching twice or overwriting the inline policy changes nothing.
  mutate iam attach-role-policy --role-name "$role" --policy-arn "$XRAY_POLICY_ARN" >/dev/null
  mutate iam put-role-policy --role-name "$role" --policy-name "$INLINE_POLICY_NAME" \
    --policy-document "file://$WORK/runtime.json" >/dev/null
  if ((DRY_RUN)) || ! aws iam get-instance-profile --instance-profile-name "$role" >/dev/null 2>&1; then
    mutate iam create-instance-profile --instance-profile-name "$role" --tags "Key=bakeoff,Value=$NAME" >/dev/null
    mutate iam add-role-to-instance-profile --instance-profile-name "$role" --role-name "$role" >/dev/null
    echo "Created instance profile $role" >&2
  fi
  INSTANCE_PROFILE=$role
}

ami_architecture() {
  local archs
  if ((DRY_RUN)); then
    echo x86_64
    return
  fi
  archs=$(aws ec2 describe-instance-types --instance-types "$INSTANCE_TYPE" \
    --query 'InstanceTypes[0].ProcessorInfo.SupportedArchitectures' --output text)
  if [[ $archs == *arm64* ]]; then echo arm64; else echo x86_64; fi
}

run_instance() {
  local user_data=$1 arch attempt args id err
  arch=$(ami_architecture)
  args=(ec2 run-instances
    --image-id "resolve:ssm:$AMI_PARAMETER_PREFIX-$arch"
    --instance-type "$INSTANCE_TYPE"
    --iam-instance-profile "Name=$INSTANCE_PROFILE"
    --security-group-ids "$SECURITY_GROUP_ID"
    --user-data "file://$user_data"
    # IMDSv2 only; hop limit 2 so containers (one network hop further) can still reach the instance role.
    --metadata-options "HttpTokens=required,HttpPutResponseHopLimit=2,HttpEndpoint=enabled"
    # Auto-stop powers off from inside: stop (not terminate) keeps the disk for the next start.
    --instance-initiated-shutdown-behavior stop
    --block-device-mappings "DeviceName=/dev/xvda,Ebs={VolumeSize=$VOLUME_GB,VolumeType=gp3,DeleteOnTermination=true}"
    --tag-specifications "ResourceType=instance,Tags=[{Key=bakeoff,Value=$NAME},{Key=Name,Value=bakeoff-$NAME}]"
    "ResourceType=volume,Tags=[{Key=bakeoff,Value=$NAME}]"
    --query 'Instances[0].InstanceId' --output text)
  if [[ -n $SUBNET_ID ]]; then args+=(--subnet-id "$SUBNET_ID"); fi
  if [[ -n $KEY_NAME ]]; then args+=(--key-name "$KEY_NAME"); fi
  # A new instance profile takes a few seconds to become visible to EC2.
  if ((DRY_RUN)); then
    INSTANCE_ID=$(mutate "${args[@]}")
    return
  fi
  for attempt in 1 2 3 4 5 6; do
    if id=$(aws "${args[@]}" 2>"$WORK/run.err"); then
      INSTANCE_ID=$id
      return
    fi
    err=$(<"$WORK/run.err")
    [[ $err == *"nstance profile"* || $err == *iamInstanceProfile* ]] || die "run-instances failed: $err"
    echo "Instance profile not visible yet (try $attempt); waiting ${LAUNCH_RETRY_SECONDS}s" >&2
    sleep "$LAUNCH_RETRY_SECONDS"
  done
  die "run-instances kept failing: $err"
}

main() {
  parse_args "$@"
  validate
  export AWS_REGION=$REGION AWS_DEFAULT_REGION=$REGION
  echo "Launching bakeoff '$NAME' in $REGION ($INSTANCE_TYPE), open to $CALLER_IP/32 only" >&2
  WORK=$(mktemp -d)
  trap 'rm -rf "$WORK"' EXIT
  render_user_data "$WORK/user-data.sh"
  ensure_security_group
  ensure_instance_role
  if ((DRY_RUN)); then
    echo "--- user-data ($(wc -c <"$WORK/user-data.sh") bytes), settings:" >&2
    sed -n '2,8p' "$WORK/user-data.sh" >&2
  fi
  run_instance "$WORK/user-data.sh"
  local ip=dry-run-ip
  if ((!DRY_RUN)); then
    aws ec2 wait instance-running --instance-ids "$INSTANCE_ID"
    ip=$(aws ec2 describe-instances --instance-ids "$INSTANCE_ID" \
      --query 'Reservations[0].Instances[0].PublicIpAddress' --output text)
  fi
  cat <<EOF
Instance $INSTANCE_ID is running at $ip (tag bakeoff=$NAME).
The first boot installs Docker and builds the image; allow about 10 minutes, then open:
  Sandbox UI:      http://$ip:4400
  Activities API:  http://$ip:4567/api/health-check
Progress:  aws ec2 get-console-output --region $REGION --instance-id $INSTANCE_ID --output text
It powers itself off after ${AUTO_STOP_HOURS}h (0 = never). Remove everything:
  deploy/ec2/teardown.sh --name $NAME --region $REGION
EOF
}

main "$@"
