import { randomBytes } from 'node:crypto';
import { SecretBox } from './secrets';

describe('SecretBox', () => {
  const box = new SecretBox(randomBytes(32));

  it('seals to ciphertext that does not contain the plain text and opens it again', () => {
    const sealed = box.sealJson({ password: 'hunter2-hunter2' });
    expect(sealed).not.toContain('hunter2');
    expect(box.openJson(sealed)).toEqual({ password: 'hunter2-hunter2' });
  });

  it('uses a fresh nonce for every seal', () => {
    expect(box.seal('same')).not.toBe(box.seal('same'));
  });

  it('rejects tampered ciphertext and a wrong key', () => {
    const sealed = box.seal('value');
    const raw = Buffer.from(sealed.slice(3), 'base64');
    raw[raw.length - 1] ^= 1;
    expect(() => box.open('v1:' + raw.toString('base64'))).toThrow();
    expect(() => new SecretBox(randomBytes(32)).open(sealed)).toThrow();
  });
});
