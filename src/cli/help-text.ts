/**
 * Help fitted to the terminal. The prose after each command's options is written once, about 100
 * columns wide; a terminal of 80 wraps it at its last column, mid-word. Commander already fits its
 * option and command lists to the width it is given; this fits the rest to the same width:
 * paragraphs are flowed again, list items keep their hanging indent, an example that does not fit
 * gets its comment on a line of its own above it and, if still too long, breaks at a space outside
 * quotes with a shell line continuation, so that it can still be pasted as it reads.
 */
import type { Command } from 'commander';
import { displayWidth } from '../util/display-width.js';
import { wrapWords } from '../util/wrap-words.js';

/**
 * A line at least this long, not ending a sentence (`.`, `:`) or an indented list item (`;`), was
 * wrapped by its author for width, so the next line at its hanging indent continues it; another
 * line ends where its author ended it.
 */
const AUTHOR_WRAPPED = 80;
/** Indent of an example's continuation lines, beyond its own. */
const CONTINUATION_INDENT = 4;

/** The width help is fitted to: the terminal's, as commander takes it, else 80. */
function helpWidthOf(command: Command, error: boolean): number {
  const output = command.configureOutput();
  const width = error ? output.getErrHelpWidth?.() : output.getOutHelpWidth?.();
  return width && width > 0 ? width : 80;
}

/** Makes `command` print `text` after its options, fitted to the width, and fit its headings. */
export function fittedHelp(command: Command, text: string): Command {
  command.addHelpText('after', ({ error }) => fitHelpText(text, helpWidthOf(command, error)));
  command.configureHelp({
    // Commander stops wrapping descriptions narrower than 40 columns: under 72-column terminals,
    // the command list (whose names take 32) then ran past the edge.
    minWidthToWrap: 24,
    // An option group's heading can be a sentence (the filter options say how they combine).
    formatItemList(heading, items, helper) {
      // As commander's own: no heading over an empty list (the top level's "Arguments:").
      if (items.length === 0) return [];
      return [...wrapWords(heading, helper.helpWidth ?? 80, '', '').map((line) => helper.styleTitle(line)), ...items, ''];
    },
  });
  return command;
}

/** Help prose fitted to `width` columns (see the module comment). */
export function fitHelpText(text: string, width: number): string {
  const out: string[] = [];
  let inExamples = false;
  /** The logical line being gathered: its first line, and the text of lines that continue it. */
  let pending: { first: string; more: string[]; raw: string[] } | undefined;
  const flush = () => {
    if (!pending) return;
    // Lines that fit stay as their author broke them.
    if (pending.raw.every((line) => displayWidth(line) <= width)) out.push(...pending.raw);
    else out.push(...fitProse(pending.first, pending.more, width));
    pending = undefined;
  };
  let authorWrapped = false;
  for (const line of text.split('\n')) {
    const indent = leadingSpaces(line);
    if (line.trim() === '') {
      flush();
      inExamples = false;
      out.push('');
    } else if (pending && authorWrapped && indent === hangOf(pending.first)) {
      pending.more.push(line.trim());
      pending.raw.push(line);
    } else if (indent === 0 && /:$/.test(line)) {
      // A heading ("Examples:", "Engines:"): the lines under it up to a blank line belong to it.
      flush();
      inExamples = /^Examples\b/.test(line);
      out.push(...fitProse(line, [], width));
    } else if (inExamples && indent > 0) {
      flush();
      out.push(...fitExample(line, width));
    } else {
      flush();
      pending = { first: line, more: [], raw: [line] };
    }
    authorWrapped = line.length >= AUTHOR_WRAPPED && !(indent > 0 ? /[.;:]$/ : /[.:]$/).test(line);
  }
  flush();
  return out.join('\n');
}

function leadingSpaces(line: string): number {
  return line.length - line.trimStart().length;
}

/**
 * Where an item's text starts: after a label and two spaces or more (`  athena   the table...`),
 * else at the line's indent. Lines that continue the item start there.
 */
function hangOf(first: string): number {
  const labelled = /^(\s+\S+\s{2,})\S/.exec(first);
  return labelled ? labelled[1].length : leadingSpaces(first);
}

/** One logical line of prose, wrapped at spaces, its continuation lines at its hanging indent. */
function fitProse(first: string, more: string[], width: number): string[] {
  const hang = hangOf(first);
  const prefix = first.slice(0, hang);
  const words = [first.slice(hang), ...more].join(' ');
  return wrapWords(words, width, prefix, ' '.repeat(hang));
}

/**
 * An example line (`  kmstrail ... logs/      what it shows`) fitted: as it is when it fits; else
 * its comment on a line above it, as a shell comment, and the command broken where needed.
 */
function fitExample(line: string, width: number): string[] {
  if (displayWidth(line) <= width) return [line];
  const indent = ' '.repeat(leadingSpaces(line));
  const { command, comment } = splitComment(line.trim());
  const lines = comment ? wrapWords(comment, width, `${indent}# `, `${indent}# `) : [];
  if (displayWidth(indent + command) <= width) return [...lines, indent + command];
  return [...lines, ...continuedCommand(commandPieces(shellWords(command), width - displayWidth(indent) - CONTINUATION_INDENT - 2), width, indent)];
}

/** An example's command and the comment after it (after two spaces or more, outside quotes). */
function splitComment(text: string): { command: string; comment?: string } {
  let quote: string | undefined;
  let gapAt = -1;
  for (let k = 0; k < text.length; k++) {
    const c = text[k];
    if (quote) {
      if (c === quote) quote = undefined;
    } else if (c === "'" || c === '"') {
      quote = c;
    } else if (c === ' ' && text[k + 1] === ' ') {
      gapAt = k;
      while (text[k + 1] === ' ') k++;
    }
  }
  if (gapAt < 0) return { command: text };
  return { command: text.slice(0, gapAt), comment: text.slice(gapAt).trim() };
}

/** A command's words, split at spaces outside quotes (the quotes kept). */
export function shellWords(command: string): string[] {
  const words: string[] = [];
  let word = '';
  let quote: string | undefined;
  for (const c of command) {
    if (quote) {
      if (c === quote) quote = undefined;
    } else if (c === "'" || c === '"') {
      quote = c;
    } else if (c === ' ') {
      if (word !== '') words.push(word);
      word = '';
      continue;
    }
    word += c;
  }
  if (word !== '') words.push(word);
  return words;
}

/** Where a command reads best broken: before a long option, a pipe or a redirection. */
const BREAK_BEFORE = /^(--|\||&&|>|<)/;

/**
 * A command's words in the pieces it is broken between: an option with its value, a pipe with its
 * command, kept together when they fit in `room` columns (else word by word).
 */
function commandPieces(words: string[], room: number): string[] {
  const segments: string[][] = [];
  for (const word of words) {
    if (segments.length === 0 || BREAK_BEFORE.test(word)) segments.push([word]);
    else segments[segments.length - 1].push(word);
  }
  return segments.flatMap((segment) => (displayWidth(segment.join(' ')) <= room ? [segment.join(' ')] : segment));
}

/** A command's pieces in lines of at most `width` columns, each but the last ending in ` \`. */
function continuedCommand(words: string[], width: number, indent: string): string[] {
  const lines: string[] = [];
  const more = indent + ' '.repeat(CONTINUATION_INDENT);
  let line = indent;
  let bare = true;
  for (const [k, word] of words.entries()) {
    // Room for the word, and for ` \` after it unless it is the last.
    const room = width - (k === words.length - 1 ? 0 : 2);
    if (!bare && displayWidth(line) + 1 + displayWidth(word) > room) {
      lines.push(`${line} \\`);
      // A word too long for the continuation's indent (a key ARN) gets the example's own.
      line = displayWidth(more + word) <= room ? more : indent;
      bare = true;
    }
    line += bare ? word : ` ${word}`;
    bare = false;
  }
  lines.push(line);
  return lines;
}
