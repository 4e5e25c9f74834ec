import { createPrivateKey } from 'node:crypto';
import { makeTestKeys } from '../../../test/support/keys';
import { parsePrivateKey } from './google-key';

describe('Google private key parsing', () => {
  const keys = makeTestKeys();
  const sameKey = (pem: string) =>
    createPrivateKey(pem)
      .export({ type: 'pkcs8', format: 'der' })
      .equals(createPrivateKey(keys.pem).export({ type: 'pkcs8', format: 'der' }));

  it('reads a PEM key', () => {
    expect(sameKey(parsePrivateKey(keys.pem).pem)).toBe(true);
  });

  it("reads base64 PKCS#12 with Google's default passphrase and with a given one", () => {
    expect(sameKey(parsePrivateKey(keys.p12Base64('notasecret')).pem)).toBe(true);
    expect(sameKey(parsePrivateKey(keys.p12Base64('s3cret'), 's3cret').pem)).toBe(true);
  });

  it('reads a service-account JSON key and its client email', () => {
    const parsed = parsePrivateKey(keys.serviceAccountJson('sa@proj.iam.gserviceaccount.com'));
    expect(sameKey(parsed.pem)).toBe(true);
    expect(parsed.clientEmail).toBe('sa@proj.iam.gserviceaccount.com');
  });

  it.each([
    ['garbage', 'not-a-key'],
    ['a wrong PKCS#12 passphrase', 'WRONG'],
    ['JSON without private_key', '{"client_email":"x@y.z"}'],
  ])('rejects %s with a BAD_USER_INPUT error that does not echo the key', (_name, input) => {
    const value = input === 'WRONG' ? keys.p12Base64('right') : input;
    const run = () => parsePrivateKey(value, input === 'WRONG' ? 'wrong' : undefined);
    expect(run).toThrow(/privateKey could not be read/);
    try {
      run();
    } catch (error) {
      expect((error as { extensions: { code: string } }).extensions.code).toBe('BAD_USER_INPUT');
      expect((error as Error).message).not.toContain(value.slice(0, 20));
    }
  });

  it('does not quote a malformed JSON key in its error (JSON.parse would)', () => {
    const value =
      '{"type": "service_account", "private_key": "MIIEvQIBADANBgkqhkiG9w0BAQEFAASC", oops}';
    expect(() => parsePrivateKey(value)).toThrow(
      'privateKey could not be read: the service-account JSON is not valid JSON',
    );
  });
});
