import { displayWidth } from './display-width.js';

/**
 * Words (split at spaces) in lines of at most `width` columns: the first after `prefix`, the others
 * after `indent`. A word longer than a line (an ARN, a path) gets a line of its own, whole: a
 * terminal then wraps it, as it would have anyway.
 */
export function wrapWords(text: string, width: number, prefix: string, indent: string): string[] {
  const lines: string[] = [];
  let line = prefix;
  let bare = true;
  for (const word of text.split(/ +/).filter((w) => w !== '')) {
    if (!bare && displayWidth(line) + 1 + displayWidth(word) > width) {
      lines.push(line);
      line = indent;
      bare = true;
    }
    line += bare ? word : ` ${word}`;
    bare = false;
  }
  lines.push(line);
  return lines;
}
