/**
 * layoutCheck: whether a trail file sits where CloudTrail's layout puts it, told from its bytes
 * (gzip or not), before a region or account folder is left unread.
 */
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { folderMatchers, layoutCheck } from '../../../src/sources/pruning.js';

const trail = (...regions: string[]) =>
  Buffer.from(JSON.stringify({ Records: regions.map((awsRegion, k) => ({ eventID: `e${k}`, awsRegion, recipientAccountId: '111122223333', requestParameters: { note: 'awsRegion' } })) }));

describe('layoutCheck', () => {
  it('keeps the layout when every record is of the folder', () => {
    expect(layoutCheck(trail('eu-west-1', 'eu-west-1'), 'awsRegion', 'eu-west-1')).toEqual({ keeps: true });
    expect(layoutCheck(gzipSync(trail('eu-west-1')), 'awsRegion', 'eu-west-1')).toEqual({ keeps: true });
    expect(layoutCheck(gzipSync(trail('eu-west-1')), 'recipientAccountId', '111122223333')).toEqual({ keeps: true });
  });

  it('names the first other value when one record is not', () => {
    expect(layoutCheck(gzipSync(trail('eu-west-1', 'us-east-1', 'ap-south-1')), 'awsRegion', 'eu-west-1')).toEqual({ keeps: false, found: 'ap-south-1' });
    expect(layoutCheck(gzipSync(trail('us-east-1', 'eu-west-1')), 'awsRegion', 'us-east-1')).toEqual({ keeps: false, found: 'eu-west-1' });
    expect(layoutCheck(trail('us-gov-east-1', 'us-east-1'), 'awsRegion', 'us-gov-east-1')).toEqual({ keeps: false, found: 'us-east-1' });
    expect(layoutCheck(trail('eu-west-1'), 'recipientAccountId', '444455556666')).toEqual({ keeps: false, found: '111122223333' });
  });

  it('global services\' events (us-east-1, or their partition\'s region) keep the layout in any region folder', () => {
    expect(layoutCheck(trail('us-west-1', 'us-east-1'), 'awsRegion', 'us-west-1')).toEqual({ keeps: true });
    expect(layoutCheck(trail('us-east-1'), 'awsRegion', 'us-west-1')).toEqual({ keeps: true });
    expect(layoutCheck(trail('us-gov-east-1', 'us-gov-west-1'), 'awsRegion', 'us-gov-east-1')).toEqual({ keeps: true });
    expect(layoutCheck(trail('cn-northwest-1', 'cn-north-1'), 'awsRegion', 'cn-northwest-1')).toEqual({ keeps: true });
  });

  it('cannot tell from damaged gzip, or from a file without the field', () => {
    expect(layoutCheck(gzipSync(trail('eu-west-1')).subarray(0, 20), 'awsRegion', 'eu-west-1')).toBeUndefined();
    expect(layoutCheck(Buffer.from('{"Records":[]}'), 'awsRegion', 'eu-west-1')).toBeUndefined();
  });
});

describe('folderMatchers: region folders', () => {
  const keeps = (regions: string[], folder: string) => folderMatchers({ accounts: [], regions }).region!(folder);

  it('a folder of another region is left out, unless the region asked for is where global services\' events are recorded', () => {
    expect(keeps(['eu-west-1'], 'us-west-1')).toBe(false);
    expect(keeps(['eu-west-1'], 'eu-west-1')).toBe(true);
    // us-east-1's global events (IAM, STS, sign-in) may sit in any region's folder of the partition.
    expect(keeps(['us-east-1'], 'us-west-1')).toBe(true);
    expect(keeps(['us-east-1'], 'us-gov-west-1')).toBe(false);
    expect(keeps(['us-gov-west-1'], 'us-gov-east-1')).toBe(true);
    expect(keeps(['!us-west-1'], 'us-west-1')).toBe(true);
    expect(keeps(['!us-east-1'], 'us-east-1')).toBe(false);
    expect(keeps(['!us-east-1', '!us-west-1'], 'us-west-1')).toBe(false);
  });
});
