import { multipartBoundary, parseForm, parseMultipart } from './form-data';

describe('form parsing', () => {
  it('parses a multipart body produced by the platform FormData', async () => {
    const fd = new FormData();
    fd.append('from', 'a@x.com');
    fd.append('to', 'b@x.com');
    fd.append('to', 'c@x.com');
    fd.append('text', 'line 1\r\nline 2 -- not a boundary');
    fd.append('attachment', new Blob(['%PDF-1.4'], { type: 'application/pdf' }), 'invoice "1".pdf');
    const req = new Request('http://x/', { method: 'POST', body: fd });
    const ct = req.headers.get('content-type') ?? '';
    const body = Buffer.from(await req.arrayBuffer());
    const fields = parseForm(ct, body) ?? [];
    expect(fields.filter((f) => f.name === 'to').map((f) => f.value)).toEqual(['b@x.com', 'c@x.com']);
    expect(fields.find((f) => f.name === 'text')?.value).toBe('line 1\r\nline 2 -- not a boundary');
    expect(fields.find((f) => f.name === 'attachment')).toMatchObject({ filename: 'invoice "1".pdf', contentType: 'application/pdf', value: '%PDF-1.4' });
  });

  it('parses urlencoded bodies and ignores other types', () => {
    expect(parseForm('application/x-www-form-urlencoded', Buffer.from('a=1&a=2&b=x+y'))).toEqual([
      { name: 'a', value: '1' },
      { name: 'a', value: '2' },
      { name: 'b', value: 'x y' },
    ]);
    expect(parseForm('application/json', Buffer.from('{}'))).toBeUndefined();
  });

  it('reads quoted boundaries and refuses broken bodies', () => {
    expect(multipartBoundary('multipart/form-data; boundary="abc def"')).toBe('abc def');
    expect(() => parseMultipart(Buffer.from('--b\r\nContent-Disposition: form-data; name="x"\r\n\r\nvalue'), 'b')).toThrow(/unterminated/);
    expect(() => parseMultipart(Buffer.from('nothing'), 'b')).toThrow(/no boundary/);
  });
});
