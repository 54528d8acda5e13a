import { describe, expect, it } from 'vitest';
import { MAX_TITLE, decodeEntities, extractPage, extractTitle, parseAttributes } from './html-extract.js';

describe('extractTitle', () => {
  it('decodes entities and collapses whitespace', () => {
    expect(extractTitle('<html><TITLE lang="en">\n  Family&nbsp;Blog &#8211; &amp; &#x41;&quot;\t</TITLE>')).toBe('Family Blog – & A"');
  });
  it('caps at MAX_TITLE characters with an ellipsis', () => {
    const t = extractTitle(`<title>${'word '.repeat(100)}</title>`)!;
    expect(t.length).toBe(MAX_TITLE);
    expect(t.endsWith('…')).toBe(true);
  });
  it('takes the first title, tolerates a missing end tag, gives undefined for none or empty', () => {
    expect(extractTitle('<title>one</title><title>two</title>')).toBe('one');
    expect(extractTitle('<title>unterminated')).toBe('unterminated');
    expect(extractTitle('<p>no title</p>')).toBeUndefined();
    expect(extractTitle('<title> \n </title>')).toBeUndefined();
    expect(extractTitle('<titles>x</titles>')).toBeUndefined();
  });
  it('keeps markup inside the title as plain text', () => {
    expect(extractTitle('<title><img src=x onerror=alert(1)></title>')).toBe('<img src=x onerror=alert(1)>');
  });
});

describe('decodeEntities / parseAttributes', () => {
  it('decodes numeric and common named references, leaves unknown ones', () => {
    expect(decodeEntities('&lt;b&gt; &#0; &#xD800; &bogus; &AMP;')).toBe('<b> \ufffd \ufffd &bogus; &');
  });
  it('parses quoted, single-quoted and unquoted attributes, first one wins', () => {
    const a = parseAttributes(` name="generator" CONTENT='Hugo &amp; co' data-x=1 name="again" async`);
    expect(Object.fromEntries(a)).toEqual({ name: 'generator', content: 'Hugo & co', 'data-x': '1', async: '' });
  });
});

describe('extractPage', () => {
  const page = extractPage(`<!doctype html><html><head>
    <meta name="Generator" content="Drupal 10">
    <meta property="og:site_name" content="GitLab">
    <meta content="x">
    <script src="/a.js?v=1&amp;b=2"></script><script src="/a.js?v=1&amp;b=2"></script>
    <script type="module" SRC='/b.js'></script>
    <script>var boot = {"v":"1"};</script>
    <style>.x{color:red}</style>
    <title>T</title></head><body><p>Hello <b>world</b></p><script>hidden()</script></body></html>`);
  it('collects meta by name or property', () => {
    expect(page.meta.get('generator')).toEqual(['Drupal 10']);
    expect(page.meta.get('og:site_name')).toEqual(['GitLab']);
  });
  it('collects distinct script sources, inline scripts and styles', () => {
    expect(page.scriptSrc).toEqual(['/a.js?v=1&b=2', '/b.js']);
    expect(page.scripts).toContain('var boot = {"v":"1"};');
    expect(page.scripts).toContain('hidden()');
    expect(page.css).toBe('.x{color:red}');
  });
  it('gives the visible text without scripts and styles', () => {
    expect(page.text).toBe('T Hello world');
  });
});
