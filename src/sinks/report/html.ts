/**
 * HTML built so that escaping cannot be forgotten: markup is only ever made by the `html` tag, which
 * escapes every value put into it unless the value is itself markup made the same way. Values from
 * logs (user agents, session names, policy text) are attacker-controlled: a `<script>` in one must
 * stay text. They are also made terminal-safe first (`\x1b` shown, bidirectional overrides
 * escaped), so a value cannot reorder the text around it on the page either.
 */
import { terminalSafe } from '../terminal-safe.js';

/** Markup that is safe as it is: made by `html`, or a constant of this code (`trusted`). */
export class Html {
  constructor(readonly text: string) {}

  toString(): string {
    return this.text;
  }
}

export type HtmlValue = Html | string | number | boolean | null | undefined | readonly HtmlValue[];

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Text for an element's content or a quoted attribute value. */
export function escapeHtml(value: string): string {
  return terminalSafe(value).replace(/[&<>"']/g, (ch) => ENTITIES[ch]);
}

function render(value: HtmlValue): string {
  if (value instanceof Html) return value.text;
  if (Array.isArray(value)) return value.map(render).join('');
  if (value === null || value === undefined || value === false || value === true) return '';
  return escapeHtml(String(value));
}

/** Markup: the template's own text as it is, every interpolated value escaped (or joined, for lists). */
export function html(strings: TemplateStringsArray, ...values: HtmlValue[]): Html {
  let text = strings[0];
  for (let i = 0; i < values.length; i++) text += render(values[i]) + strings[i + 1];
  return new Html(text);
}

/** A constant of this code, never a value from logs. */
export function trusted(text: string): Html {
  return new Html(text);
}

/** Numbers as the rest of kmstrail prints them: `12,345`. */
export const count = (n: number): string => n.toLocaleString('en-US');

/** Cut to `max` characters with an ellipsis (the whole value stays in a title attribute). */
export function shorten(value: string, max: number): string {
  return value.length > max ? `${value.slice(0, max - 1)}…` : value;
}
