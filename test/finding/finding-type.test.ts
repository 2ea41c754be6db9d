import { describe, expect, it } from 'vitest';
import type { FindingTypeParts } from '../../src/finding/finding.js';
import { guardDutyTypeFromAsffType, parseFindingType } from '../../src/finding/finding-type.js';

describe('parseFindingType', () => {
  it.each<[type: string, parts: FindingTypeParts]>([
    ['CryptoCurrency:EC2/BitcoinTool.B!DNS', { threatPurpose: 'CryptoCurrency', resourceType: 'EC2', family: 'BitcoinTool', detectionMechanism: 'B', artifact: 'DNS' }],
    ['Backdoor:EC2/C&CActivity.B', { threatPurpose: 'Backdoor', resourceType: 'EC2', family: 'C&CActivity', detectionMechanism: 'B' }],
    ['Recon:EC2/PortProbeUnprotectedPort', { threatPurpose: 'Recon', resourceType: 'EC2', family: 'PortProbeUnprotectedPort' }],
    ['UnauthorizedAccess:IAMUser/MaliciousIPCaller.Custom', { threatPurpose: 'UnauthorizedAccess', resourceType: 'IAMUser', family: 'MaliciousIPCaller', detectionMechanism: 'Custom' }],
    ['Trojan:EC2/DriveBySourceTraffic!DNS', { threatPurpose: 'Trojan', resourceType: 'EC2', family: 'DriveBySourceTraffic', artifact: 'DNS' }],
    ['Execution:Runtime/NewBinaryExecuted', { threatPurpose: 'Execution', resourceType: 'Runtime', family: 'NewBinaryExecuted' }],
    ['AttackSequence:IAM/CompromisedCredentials', { threatPurpose: 'AttackSequence', resourceType: 'IAM', family: 'CompromisedCredentials' }],
    ['Impact:Future', { threatPurpose: 'Impact', resourceType: 'Future' }],
    ['Policy:', { threatPurpose: 'Policy' }],
    ['NoColonAtAll', {}],
    [':EC2/Nothing', {}],
    ['', {}],
  ])('splits %j', (type, parts) => {
    expect(parseFindingType(type)).toEqual(parts);
  });

  it('returns frozen parts and the same object for a repeated type', () => {
    const parts = parseFindingType('Recon:EC2/Portscan');
    expect(Object.isFrozen(parts)).toBe(true);
    expect(parseFindingType('Recon:EC2/Portscan')).toBe(parts);
  });
});

describe('guardDutyTypeFromAsffType', () => {
  it.each<[asffType: string, guardDutyType: string | undefined]>([
    ['TTPs/Initial Access/UnauthorizedAccess:EC2-SSHBruteForce', 'UnauthorizedAccess:EC2/SSHBruteForce'],
    ['TTPs/Command and Control/Backdoor:EC2-C&CActivity.B!DNS', 'Backdoor:EC2/C&CActivity.B!DNS'],
    ['Software and Configuration Checks/Backdoor:EC2.C&CActivity.B', 'Backdoor:EC2/C&CActivity.B'],
    ['Software and Configuration Checks/Policy:S3.BucketBlockPublicAccessDisabled', 'Policy:S3/BucketBlockPublicAccessDisabled'],
    ['Unusual Behaviors/User/UnauthorizedAccess:IAMUser-ConsoleLogin', 'UnauthorizedAccess:IAMUser/ConsoleLogin'],
    ['Effects/Resource Consumption/CryptoCurrency:EC2-BitcoinTool.B', 'CryptoCurrency:EC2/BitcoinTool.B'],
    ['TTPs/Discovery/Recon:EC2/PortProbeUnprotectedPort', 'Recon:EC2/PortProbeUnprotectedPort'],
    ['Software and Configuration Checks/Vulnerabilities/CVE', undefined],
  ])('reads %j as %j', (asffType, guardDutyType) => {
    expect(guardDutyTypeFromAsffType(asffType)).toBe(guardDutyType);
  });
});
