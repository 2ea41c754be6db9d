import { describe, expect, it } from 'vitest';
import { serviceFromProductFields } from '../../src/finding/product-fields.js';

describe('serviceFromProductFields', () => {
  it('rebuilds the nested service from aws/guardduty/service keys', () => {
    expect(
      serviceFromProductFields({
        'aws/guardduty/service/action/actionType': 'NETWORK_CONNECTION',
        'aws/guardduty/service/action/networkConnectionAction/remoteIpDetails/ipAddressV4': '198.51.100.7',
        'aws/guardduty/service/count': '3',
        'aws/securityhub/ProductName': 'GuardDuty',
      }),
    ).toEqual({
      action: { actionType: 'NETWORK_CONNECTION', networkConnectionAction: { remoteIpDetails: { ipAddressV4: '198.51.100.7' } } },
      count: '3',
    });
  });

  it('reads the older keys relative to service', () => {
    expect(serviceFromProductFields({ 'action/awsApiCallAction/api': 'ListUsers', archived: 'false', detectorId: 'd' })).toEqual({
      action: { awsApiCallAction: { api: 'ListUsers' } },
      archived: 'false',
      detectorId: 'd',
    });
  });

  it('turns name.N_ segments into array elements', () => {
    const service = serviceFromProductFields({
      'aws/guardduty/service/action/portProbeAction/portProbeDetails.0_/remoteIpDetails/ipAddressV4': '192.0.2.1',
      'aws/guardduty/service/action/portProbeAction/portProbeDetails.1_/remoteIpDetails/ipAddressV4': '192.0.2.2',
      'aws/guardduty/service/evidence/threatIntelligenceDetails.0_/threatNames.0_': 'Botnet',
    });
    expect(service).toEqual({
      action: { portProbeAction: { portProbeDetails: [{ remoteIpDetails: { ipAddressV4: '192.0.2.1' } }, { remoteIpDetails: { ipAddressV4: '192.0.2.2' } }] } },
      evidence: { threatIntelligenceDetails: [{ threatNames: ['Botnet'] }] },
    });
  });

  it('keeps a value that is also a branch under value, as the API does for additionalInfo', () => {
    expect(serviceFromProductFields({ additionalInfo: '{"x":1}', 'additionalInfo/sample': 'true' })).toEqual({
      additionalInfo: { value: '{"x":1}', sample: 'true' },
    });
    expect(serviceFromProductFields({ 'additionalInfo/sample': 'true', additionalInfo: '{"x":1}' })).toEqual({
      additionalInfo: { value: '{"x":1}', sample: 'true' },
    });
  });

  it('treats __proto__ as a plain key and ignores huge array indexes', () => {
    const service = serviceFromProductFields({ '__proto__/polluted': 'yes', 'list.99999_': 'x' });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.keys(service)).toContain('__proto__');
    expect(service['list.99999_']).toBe('x');
  });
});
