/**
 * Which file names a directory walk or an S3 listing takes for trail files, and which it passes
 * over (CloudTrail digest files).
 */
const TRAIL_FILE = /\.(json|jsonl|json\.gz|jsonl\.gz)$/i;
const DIGEST = /CloudTrail-Digest/;

/** Is this a file the directory walk reads? */
export function isTrailFileName(path: string): boolean {
  return TRAIL_FILE.test(path) && !DIGEST.test(path);
}

/** A CloudTrail digest file (integrity validation): JSON, but no records. */
export function isDigestFileName(path: string): boolean {
  return DIGEST.test(path);
}
