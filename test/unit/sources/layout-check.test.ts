/**
 * layoutCheck: whether a trail file sits where CloudTrail's layout puts it, told from its bytes
 * (gzip or not), before a region or account folder is left unread.
 */
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { layoutCheck } from '../../../src/sources/pruning.js';

const trail = (...regions: string[]) =>
  Buffer.from(JSON.stringify({ Records: regions.map((awsRegion, k) => ({ eventID: `e${k}`, awsRegion, recipientAccountId: '111122223333', requestParameters: { note: 'awsRegion' } })) }));

describe('layoutCheck', () => {
  it('keeps the layout when every record is of the folder', () => {
    expect(layoutCheck(trail('eu-west-1', 'eu-west-1'), 'awsRegion', 'eu-west-1')).toEqual({ keeps: true });
    expect(layoutCheck(gzipSync(trail('eu-west-1')), 'awsRegion', 'eu-west-1')).toEqual({ keeps: true });
    expect(layoutCheck(gzipSync(trail('eu-west-1')), 'recipientAccountId', '111122223333')).toEqual({ keeps: true });
  });

  it('names the first other value when one record is not', () => {
    expect(layoutCheck(gzipSync(trail('eu-west-1', 'us-east-1', 'ap-south-1')), 'awsRegion', 'eu-west-1')).toEqual({ keeps: false, found: 'us-east-1' });
    expect(layoutCheck(trail('eu-west-1'), 'recipientAccountId', '444455556666')).toEqual({ keeps: false, found: '111122223333' });
  });

  it('cannot tell from damaged gzip, or from a file without the field', () => {
    expect(layoutCheck(gzipSync(trail('eu-west-1')).subarray(0, 20), 'awsRegion', 'eu-west-1')).toBeUndefined();
    expect(layoutCheck(Buffer.from('{"Records":[]}'), 'awsRegion', 'eu-west-1')).toBeUndefined();
  });
});
