/**
 * gzipMembers: a gzip file read member by member, as zcat reads it, for when gunzip refuses the
 * whole because bytes that are not gzip follow the data. Real gzip from zlib, real CRCs.
 */
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { decodedWhole, gzipMembers } from '../../../src/sources/decoded-chunks.js';

const a = Buffer.from('{"Records":[{"eventName":"A"}]}\n');
const b = Buffer.from('{"Records":[{"eventName":"B"}]}\n');

describe('gzipMembers', () => {
  it('two members then text: both decoded, the text placed and counted', () => {
    const members = Buffer.concat([gzipSync(a), gzipSync(b)]);
    const stored = Buffer.concat([members, Buffer.from('garbage\n')]);
    expect(gzipMembers(stored)).toEqual({ bytes: Buffer.concat([a, b]), trailing: { at: members.length, length: 8 } });
  });

  it('zero bytes after the data are padding, not trailing', () => {
    expect(gzipMembers(Buffer.concat([gzipSync(a), Buffer.alloc(512)]))).toEqual({ bytes: a });
  });

  it('a header with a file name and a comment is stepped over', () => {
    const plain = gzipSync(a);
    // FNAME and FCOMMENT set, each a zero-terminated string after the 10 fixed bytes.
    const header = Buffer.from(plain.subarray(0, 10));
    header[3] |= 8 | 16;
    const stored = Buffer.concat([header, Buffer.from('a.json\0a comment\0'), plain.subarray(10), Buffer.from('xyz')]);
    expect(gzipMembers(stored)?.bytes).toEqual(a);
    expect(gzipMembers(stored)?.trailing).toEqual({ at: stored.length - 3, length: 3 });
  });

  it('a damaged member (its CRC wrong) or a cut one gives nothing: the stream then says what is wrong', () => {
    const damaged = Buffer.from(gzipSync(a));
    damaged[damaged.length - 8] ^= 0xff;
    expect(gzipMembers(Buffer.concat([damaged, Buffer.from('x')]))).toBeUndefined();
    const whole = gzipSync(a);
    expect(gzipMembers(whole.subarray(0, whole.length - 4))).toBeUndefined();
    expect(gzipMembers(Buffer.from('not gzip'))).toBeUndefined();
  });

  it('decodedWhole takes this path only when gunzip refuses the file', () => {
    const stored = Buffer.concat([gzipSync(a), Buffer.from('garbage garbage\n')]);
    expect(decodedWhole(stored)).toEqual({ bytes: a, gzipped: true, trailing: { at: stored.length - 16, length: 16 } });
    expect(decodedWhole(gzipSync(a))).toEqual({ bytes: a, gzipped: true });
  });
});
