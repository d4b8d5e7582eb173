import { htmlToText, renderBody } from './content-body';

describe('renderBody', () => {
  it('keeps structure and links but drops scripts, styles, handlers and unsafe URLs', () => {
    const { html } = renderBody(
      `<h2 class="x" style="color:red">News</h2><script>alert(1)</script><style>p{}</style>
       <p onclick="steal()">Read <a href="javascript:alert(1)">this</a> and <a href="https://example.com/a?b=1&c=2">that</a>.</p>
       <img src="data:image/png;base64,AAAA" alt="tracker"><img src="https://cdn.example.com/x.png" alt="Chart">
       <iframe src="https://evil.example"></iframe><form><input name="pw"></form>`,
      'html',
    );
    expect(html).not.toMatch(/script|style=|onclick|javascript:|iframe|<form|<input|class=|data:/i);
    expect(html).toContain('<h2>News</h2>');
    expect(html).toContain(
      '<a href="https://example.com/a?b=1&amp;c=2" target="_blank" rel="noopener noreferrer">that</a>',
    );
    expect(html).toContain('<img src="https://cdn.example.com/x.png" alt="Chart" />');
    // A link whose address was unsafe keeps its text.
    expect(html).toMatch(/Read <a[^>]*>this<\/a>/);
    expect(html).not.toMatch(/href="javascript/);
  });

  it('renders Markdown, and sanitises HTML written inside it', () => {
    const { html, text } = renderBody(
      '# Big news\n\nWe **shipped** it. See [the notes](https://example.com/notes).\n\n- one\n- two\n\n<script>x()</script>',
      'markdown',
    );
    expect(html).toContain('<h1>Big news</h1>');
    expect(html).toContain('<strong>shipped</strong>');
    expect(html).toContain('<li>one</li>');
    expect(html).not.toContain('<script');
    expect(text).toBe(
      'Big news\n\nWe shipped it. See the notes (https://example.com/notes).\n\n- one\n- two',
    );
  });
});

describe('htmlToText', () => {
  it('turns blocks into paragraphs, decodes entities and shows link targets once', () => {
    expect(
      htmlToText(
        '<p>Fish &amp; chips &lt;3&nbsp;&#233;</p><p><a href="https://x.example/">https://x.example/</a><br />next</p>',
      ),
    ).toBe('Fish & chips <3 é\n\nhttps://x.example/\nnext');
  });
});
