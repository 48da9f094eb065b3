/**
 * archiveKind names the archive or compression an input's first bytes show. Real data from the
 * tools where they are installed (gzip is read, not named); the magic numbers of the formats'
 * specifications for the others.
 */
import { execFileSync } from 'node:child_process';
import { deflateRawSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { archiveFault, archiveKind } from '../../../src/reader/record-splitter.js';

const has = (tool: string) => {
  try {
    execFileSync('sh', ['-c', `command -v ${tool}`]);
    return true;
  } catch {
    return false;
  }
};

describe('archiveKind', () => {
  for (const [tool, what] of [
    ['xz', 'xz-compressed data'],
    ['bzip2', 'bzip2-compressed data'],
    ['zstd', 'zstd-compressed data'],
    ['lz4', 'lz4-compressed data'],
  ]) {
    // Skipped, and shown as skipped, where the tool is not installed.
    it.skipIf(!has(tool))(`names what ${tool} writes`, () => {
      const out = execFileSync(tool, ['-c'], { input: '{"Records":[]}' });
      expect(archiveKind(out)).toBe(what);
    });
  }

  it.each([
    [[0x50, 0x4b, 0x03, 0x04, 0x14, 0x00], 'a zip archive'],
    [[0x50, 0x4b, 0x05, 0x06, 0x00], 'a zip archive (empty)'],
    [[0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c, 0x00], 'a 7z archive'],
    [[0x50, 0x41, 0x52, 0x31, 0x15], 'a Parquet file'],
  ])('names %j', (magic, what) => {
    expect(archiveKind(Buffer.from(magic))).toBe(what);
  });

  it('names JSON written in UTF-16 or UTF-32, with or without a byte order mark, and says how to convert it', () => {
    const json = '{"Records":[]}';
    const be16 = (text: string) => Buffer.from(text, 'utf16le').swap16();
    expect(archiveKind(Buffer.from(`\ufeff${json}`, 'utf16le'))).toBe('UTF-16LE text');
    expect(archiveKind(Buffer.from(json, 'utf16le'))).toBe('UTF-16LE text');
    expect(archiveKind(Buffer.from('[{}]', 'utf16le'))).toBe('UTF-16LE text');
    expect(archiveKind(be16(`\ufeff${json}`))).toBe('UTF-16BE text');
    expect(archiveKind(be16(json))).toBe('UTF-16BE text');
    expect(archiveKind(Buffer.from([0xff, 0xfe, 0x00, 0x00, 0x7b, 0x00, 0x00, 0x00]))).toBe('UTF-32LE text');
    expect(archiveKind(Buffer.from([0x00, 0x00, 0xfe, 0xff, 0x00, 0x00, 0x00, 0x7b]))).toBe('UTF-32BE text');
    expect(archiveFault('UTF-16LE text')).toBe('UTF-16LE text, not UTF-8: convert it first (iconv -f UTF-16LE -t UTF-8)');
    expect(archiveFault('a zip archive')).toBe('a zip archive, not JSON or gzip: unpack it first');
    // UTF-8, with its byte order mark or not, is JSON as it should be.
    expect(archiveKind(Buffer.from(`\ufeff${json}`, 'utf8'))).toBeUndefined();
    expect(archiveKind(Buffer.from('[]'))).toBeUndefined();
  });

  it('names nothing where only the last byte of a magic number differs', () => {
    for (const first of [[0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x01, 0x00], [0x50, 0x4b, 0x03, 0x05, 0x14], [0x42, 0x5a, 0x69, 0x39]]) {
      expect(archiveKind(Buffer.from(first))).toBeUndefined();
    }
  });

  it('names nothing in JSON, gzip, raw deflate, or a first chunk shorter than the magic number', () => {
    for (const first of [Buffer.from('{"Records":[]}'), Buffer.from('PK'), Buffer.from([0x1f, 0x8b, 0x08]), deflateRawSync('{}'), Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a]), Buffer.alloc(0)]) {
      expect(archiveKind(first)).toBeUndefined();
    }
  });
});
