/**
 * The report's markup helper: every value put into a template is escaped, markup made by the
 * helper is not escaped twice, and log values are made visible before they are made safe.
 */
import { describe, expect, it } from 'vitest';
import { escapeHtml, html, shorten, trusted } from '../../../../src/sinks/report/html.js';

describe('html', () => {
  it('escapes text and attribute values', () => {
    const agent = `<script>alert("x")</script> & 'quotes'`;
    expect(html`<td title="${agent}">${agent}</td>`.text).toBe(
      '<td title="&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;quotes&#39;">&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;quotes&#39;</td>',
    );
  });

  it('a value cannot close an attribute, open a tag or start an entity', () => {
    for (const value of ['" onmouseover="alert(1)', "' onload='x", '<img src=x onerror=alert(1)>', '&lt;script&gt;', '</td></tr></table><script>x</script>']) {
      const out = html`<span title="${value}">${value}</span>`.text;
      expect(out.match(/</g)).toHaveLength(2);
      expect(out.match(/"/g)).toHaveLength(2);
      expect(out).not.toContain("'");
      expect(out.replace(/&(amp|lt|gt|quot|#39);/g, '')).not.toContain('&');
    }
  });

  it('markup from html (and lists of it) goes in as it is; numbers and absent values as text or nothing', () => {
    const cell = (v: string) => html`<td>${v}</td>`;
    expect(html`<tr>${['<a>', 'b'].map(cell)}</tr>`.text).toBe('<tr><td>&lt;a&gt;</td><td>b</td></tr>');
    expect(html`${1234}|${0}|${undefined}|${null}|${false}|${true}|${trusted('<br>')}`.text).toBe('1234|0|||||<br>');
  });

  it('control characters and bidirectional overrides are shown, not obeyed', () => {
    expect(escapeHtml('session-\u001b[31mred\u0007\r\b')).toBe('session-\\x1b[31mred\\x07\\x0d\\x08');
    expect(escapeHtml('admin\u202egnp.exe')).toBe('admin\\u202egnp.exe');
    expect(escapeHtml('\u0000<')).toBe('\\x00&lt;');
  });

  it('shorten keeps short values and cuts long ones with an ellipsis', () => {
    expect(shorten('abc', 3)).toBe('abc');
    expect(shorten('abcd', 3)).toBe('ab…');
  });
});
