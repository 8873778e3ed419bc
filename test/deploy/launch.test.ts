/** deploy/ec2/launch.sh and teardown.sh against a fake AWS CLI that remembers what was created. */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Call, callsTo, createSandbox, EC2_DIR, optionValue, type Sandbox } from './harness';

const LAUNCH = path.join(EC2_DIR, 'launch.sh');
const TEARDOWN = path.join(EC2_DIR, 'teardown.sh');
const CALLER_IP = '198.51.100.7';
const launchArgs = ['--name', 'demo', '--repo', 'https://example.test/bakeoff.git', '--ref', 'v1.2.3'];

let box: Sandbox;
let env: NodeJS.ProcessEnv;

beforeEach(() => {
  box = createSandbox();
  env = { STUB_CALLER_IP: CALLER_IP, AWS_REGION: 'eu-west-1' };
});
afterEach(() => box.cleanup());

const ingressRules = (calls: Call[]) =>
  callsTo(calls, 'ec2', 'authorize-security-group-ingress').map(
    (c) => optionValue(c, '--ip-permissions') ?? '',
  );

describe('launch.sh', () => {
  it('asks checkip.amazonaws.com for the caller IP and opens 4567 and 4400 to that /32 only', () => {
    const result = box.run(LAUNCH, launchArgs, env);
    expect(result.status, result.stderr).toBe(0);
    expect(box.calls('curl').map((c) => c.args.at(-1))).toEqual(['https://checkip.amazonaws.com']);
    const rules = ingressRules(box.calls('aws'));
    expect(rules).toEqual([
      `IpProtocol=tcp,FromPort=4567,ToPort=4567,IpRanges=[{CidrIp=${CALLER_IP}/32,Description=bakeoff-launcher}]`,
      `IpProtocol=tcp,FromPort=4400,ToPort=4400,IpRanges=[{CidrIp=${CALLER_IP}/32,Description=bakeoff-launcher}]`,
    ]);
    expect(box.calls('aws').some((c) => c.args.join(' ').includes('0.0.0.0/0'))).toBe(false);
  });

  it('opens SSH to the same /32 only when a key pair is given', () => {
    box.run(LAUNCH, [...launchArgs, '--key-name', 'mine'], env);
    const rules = ingressRules(box.calls('aws'));
    expect(rules).toHaveLength(3);
    expect(rules[2]).toContain(`FromPort=22,ToPort=22,IpRanges=[{CidrIp=${CALLER_IP}/32`);
    const [run] = callsTo(box.calls('aws'), 'ec2', 'run-instances');
    expect(optionValue(run, '--key-name')).toBe('mine');
  });

  it('refuses an address that is not a single IPv4 host', () => {
    for (const ip of ['0.0.0.0/0', '300.1.1.1', 'example.com']) {
      const result = box.run(LAUNCH, [...launchArgs, '--ip', ip], env);
      expect(result.status).not.toBe(0);
      expect(result.stderr).toMatch(/not an IPv4 address/);
    }
    expect(box.calls('aws')).toEqual([]);
  });

  it('creates a tagged role with X-Ray, CloudWatch Logs and /bakeoff/ SSM read access, and its instance profile', () => {
    box.run(LAUNCH, launchArgs, env);
    const aws = box.calls('aws');
    const [role] = callsTo(aws, 'iam', 'create-role');
    expect(optionValue(role, '--role-name')).toBe('bakeoff-demo-ec2');
    expect(optionValue(role, '--tags')).toBe('Key=bakeoff,Value=demo');
    const trust = JSON.parse(readFileSync(path.join(box.state, 'files', 'trust.json'), 'utf8'));
    expect(trust.Statement[0].Principal.Service).toBe('ec2.amazonaws.com');

    const [attach] = callsTo(aws, 'iam', 'attach-role-policy');
    expect(optionValue(attach, '--policy-arn')).toBe('arn:aws:iam::aws:policy/AWSXrayWriteOnlyAccess');

    const inline = JSON.parse(readFileSync(path.join(box.state, 'files', 'runtime.json'), 'utf8'));
    const byAction = (action: string) =>
      inline.Statement.find((s: { Action: string | string[] }) => [s.Action].flat().includes(action));
    expect(byAction('ssm:GetParametersByPath').Resource).toContain(
      'arn:aws:ssm:eu-west-1:123456789012:parameter/bakeoff/*',
    );
    expect(byAction('logs:PutLogEvents').Resource).toBe(
      'arn:aws:logs:eu-west-1:123456789012:log-group:bakeoff*',
    );
    // The app's notifications queues, by this deployment's name: nothing else in the account.
    expect(byAction('sqs:ReceiveMessage').Resource).toBe(
      'arn:aws:sqs:eu-west-1:123456789012:bakeoff-demo-notifications*',
    );
    expect(JSON.stringify(inline)).not.toMatch(/"Resource":"\*"/);

    expect(callsTo(aws, 'iam', 'create-instance-profile').map((c) => optionValue(c, '--tags'))).toEqual([
      'Key=bakeoff,Value=demo',
    ]);
    expect(callsTo(aws, 'iam', 'add-role-to-instance-profile')).toHaveLength(1);
  });

  it('launches Amazon Linux 2023 with IMDSv2, the rendered user-data and bakeoff=<name> tags', () => {
    const result = box.run(LAUNCH, [...launchArgs, '--profiles', 'xray', '--auto-stop-hours', '4'], env);
    const [run] = callsTo(box.calls('aws'), 'ec2', 'run-instances');
    expect(optionValue(run, '--image-id')).toBe(
      'resolve:ssm:/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64',
    );
    expect(optionValue(run, '--instance-type')).toBe('t3.small');
    expect(optionValue(run, '--iam-instance-profile')).toBe('Name=bakeoff-demo-ec2');
    expect(optionValue(run, '--security-group-ids')).toBe('sg-0stub');
    expect(optionValue(run, '--metadata-options')).toContain('HttpTokens=required');
    expect(optionValue(run, '--metadata-options')).toContain('HttpPutResponseHopLimit=2');
    expect(run.args).toContain(
      'ResourceType=instance,Tags=[{Key=bakeoff,Value=demo},{Key=Name,Value=bakeoff-demo}]',
    );
    expect(run.args).toContain('ResourceType=volume,Tags=[{Key=bakeoff,Value=demo}]');
    const [sg] = callsTo(box.calls('aws'), 'ec2', 'create-security-group');
    expect(optionValue(sg, '--tag-specifications')).toBe(
      'ResourceType=security-group,Tags=[{Key=bakeoff,Value=demo}]',
    );

    const userData = readFileSync(path.join(box.state, 'files', 'user-data.sh'), 'utf8');
    expect(userData.startsWith('#!/usr/bin/env bash\n')).toBe(true);
    expect(userData).toMatch(/^BAKEOFF_REPO=https:\/\/example\.test\/bakeoff\.git$/m);
    expect(userData).toMatch(/^BAKEOFF_REF=v1\.2\.3$/m);
    expect(userData).toMatch(/^BAKEOFF_PROFILES=xray$/m);
    expect(userData).toMatch(/^AUTO_STOP_HOURS=4$/m);
    expect(userData).toMatch(/^AWS_REGION=eu-west-1$/m);
    expect(Buffer.byteLength(userData)).toBeLessThanOrEqual(16384);

    expect(result.stdout).toContain('http://203.0.113.10:4400');
    expect(result.stdout).toContain('http://203.0.113.10:4567');
  });

  it('reuses an existing security group and role on a second launch', () => {
    box.run(LAUNCH, launchArgs, env);
    box.clearCalls();
    const second = box.run(LAUNCH, launchArgs, env);
    expect(second.status, second.stderr).toBe(0);
    const aws = box.calls('aws');
    expect(callsTo(aws, 'ec2', 'create-security-group')).toEqual([]);
    expect(callsTo(aws, 'iam', 'create-role')).toEqual([]);
    expect(callsTo(aws, 'iam', 'create-instance-profile')).toEqual([]);
    expect(second.stderr).toMatch(/Reusing security group sg-0stub/);
  });

  it('--dry-run calls no AWS API and still shows the /32 rules', () => {
    const result = box.run(LAUNCH, [...launchArgs, '--dry-run'], env);
    expect(result.status, result.stderr).toBe(0);
    expect(box.calls('aws')).toEqual([]);
    expect(result.stderr).toContain(`CidrIp=${CALLER_IP}/32`);
    expect(result.stderr).toMatch(/\[dry-run\] aws ec2 run-instances/);
    expect(result.stderr).not.toContain('0.0.0.0/0');
  });

  it('--help works and bad options fail with a message', () => {
    const help = box.run(LAUNCH, ['--help']);
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/Usage: deploy\/ec2\/launch\.sh/);
    const badProfile = box.run(LAUNCH, [...launchArgs, '--profiles', 'newrelic'], env);
    expect(badProfile.status).not.toBe(0);
    expect(badProfile.stderr).toMatch(/unknown profile 'newrelic'/);
    const noRepo = box.run(LAUNCH, ['--name', 'demo'], env);
    expect(noRepo.stderr).toMatch(/pass --repo URL/);
    expect(box.calls('aws')).toEqual([]);
  });
});

describe('teardown.sh', () => {
  it('removes everything launch.sh created', () => {
    expect(box.run(LAUNCH, launchArgs, env).status).toBe(0);
    expect(box.resources()).toEqual([
      'instance',
      'profile',
      'profile-role',
      'role',
      'role-inline-policy',
      'role-managed-policy',
      'sg',
    ]);
    box.clearCalls();

    const result = box.run(TEARDOWN, ['--name', 'demo'], env);
    expect(result.status, result.stderr).toBe(0);
    expect(box.resources()).toEqual([]);
    const aws = box.calls('aws');
    expect(optionValue(callsTo(aws, 'ec2', 'terminate-instances')[0], '--instance-ids')).toBe('i-0stub');
    expect(optionValue(callsTo(aws, 'ec2', 'delete-security-group')[0], '--group-id')).toBe('sg-0stub');
    expect(optionValue(callsTo(aws, 'iam', 'delete-role')[0], '--role-name')).toBe('bakeoff-demo-ec2');
    // Found by tag, not by guessing.
    expect(optionValue(callsTo(aws, 'ec2', 'describe-instances')[0], '--filters')).toBe(
      'Name=tag:bakeoff,Values=demo',
    );
  });

  it('deletes the notifications queues the app created in real SQS, and only those', () => {
    box.run(LAUNCH, launchArgs, env);
    for (const queue of [
      'bakeoff-demo-notifications',
      'bakeoff-demo-notifications-dlq',
      'bakeoff-other-notifications',
    ])
      writeFileSync(path.join(box.state, `queue-${queue}`), '');
    const result = box.run(TEARDOWN, ['--name', 'demo'], env);
    expect(result.status, result.stderr).toBe(0);
    expect(box.resources()).toEqual(['queue-bakeoff-other-notifications']);
  });

  it('is safe to run again when nothing is left', () => {
    box.run(LAUNCH, launchArgs, env);
    box.run(TEARDOWN, ['--name', 'demo'], env);
    box.clearCalls();
    const again = box.run(TEARDOWN, ['--name', 'demo'], env);
    expect(again.status, again.stderr).toBe(0);
    const deletes = box.calls('aws').filter((c) => /^(delete|terminate|remove|detach)-/.test(c.args[1]));
    expect(deletes).toEqual([]);
  });

  it('--dry-run lists what it would remove and removes nothing', () => {
    box.run(LAUNCH, launchArgs, env);
    box.clearCalls();
    const result = box.run(TEARDOWN, ['--name', 'demo', '--dry-run'], env);
    expect(result.status, result.stderr).toBe(0);
    expect(result.stderr).toMatch(/\[dry-run\] aws ec2 terminate-instances --instance-ids i-0stub/);
    expect(result.stderr).toMatch(/\[dry-run\] aws iam delete-role --role-name bakeoff-demo-ec2/);
    expect(box.resources()).toHaveLength(7);
  });

  it('leaves alone a role of the same name that is not tagged for this deployment', () => {
    writeFileSync(path.join(box.state, 'role'), 'someone-else\n');
    const result = box.run(TEARDOWN, ['--name', 'demo'], env);
    expect(result.status).not.toBe(0);
    expect(result.stderr).toMatch(/not tagged bakeoff=demo; leaving it alone/);
    expect(box.resources()).toEqual(['role']);
    expect(callsTo(box.calls('aws'), 'iam', 'delete-role')).toEqual([]);
  });
});
