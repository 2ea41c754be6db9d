import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
export const bin = fileURLToPath(new URL('../../bin/guardduty-notifier.js', import.meta.url));

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the real `bin` (as `npx guardduty-notifier` would), with a hard time limit. */
export function runCli(args: string[], options: { stdin?: string; env?: NodeJS.ProcessEnv; cwd?: string; timeoutMs?: number } = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], {
      cwd: options.cwd ?? repoRoot,
      env: { ...process.env, LOG_LEVEL: 'warn', ...options.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`guardduty-notifier ${args.join(' ')} did not finish in time\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, options.timeoutMs ?? 30_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(options.stdin ?? '');
  });
}

/** A small, valid EventBridge GuardDuty event, invented for these tests. */
export function eventBridgeFinding(overrides: { id?: string; severity?: number; count?: number; title?: string; type?: string; sample?: boolean } = {}): object {
  const id = overrides.id ?? 'a1b2c3d4e5f60718293a4b5c6d7e8f90';
  const type = overrides.type ?? 'UnauthorizedAccess:EC2/SSHBruteForce';
  return {
    version: '0',
    id: `evt-${id}`,
    'detail-type': 'GuardDuty Finding',
    source: 'aws.guardduty',
    account: '123456789012',
    time: '2026-11-20T10:00:00Z',
    region: 'us-east-1',
    resources: [],
    detail: {
      schemaVersion: '2.0',
      accountId: '123456789012',
      region: 'us-east-1',
      partition: 'aws',
      id,
      arn: `arn:aws:guardduty:us-east-1:123456789012:detector/12abc34d567e8fa901bc2d34eexample/finding/${id}`,
      type,
      resource: {
        resourceType: 'Instance',
        instanceDetails: { instanceId: 'i-0123456789abcdef0', tags: [{ key: 'Name', value: 'bastion-1' }] },
      },
      service: {
        serviceName: 'guardduty',
        detectorId: '12abc34d567e8fa901bc2d34eexample',
        action: {
          actionType: 'NETWORK_CONNECTION',
          networkConnectionAction: {
            connectionDirection: 'INBOUND',
            protocol: 'TCP',
            blocked: false,
            remoteIpDetails: { ipAddressV4: '198.51.100.7', country: { countryName: 'Exampleland' }, organization: { asn: '64500', asnOrg: 'Example Net' } },
            localPortDetails: { port: 22, portName: 'SSH' },
          },
        },
        archived: false,
        count: overrides.count ?? 1,
        eventFirstSeen: '2026-11-20T09:00:00Z',
        eventLastSeen: '2026-11-20T10:00:00Z',
        additionalInfo: overrides.sample ? { sample: true } : {},
      },
      severity: overrides.severity ?? 5,
      createdAt: '2026-11-20T09:00:00Z',
      updatedAt: '2026-11-20T10:00:00Z',
      title: overrides.title ?? '198.51.100.7 is performing SSH brute force attacks against i-0123456789abcdef0.',
      description: '198.51.100.7 is performing SSH brute force attacks against i-0123456789abcdef0. Brute force attacks are used to gain unauthorized access to your instance by guessing the SSH password.',
    },
  };
}
