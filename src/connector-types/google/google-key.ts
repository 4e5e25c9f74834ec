// Reads a Google service-account key given as base64 PKCS#12, PEM or service-account JSON and
// returns an unencrypted PKCS#8 PEM; done once, when the connector is configured.
import { createPrivateKey } from 'node:crypto';
import forge from 'node-forge';
import { UserInputError } from '../../common/errors';

export interface ParsedKey {
  pem: string;
  clientEmail: string | null;
}

const GOOGLE_P12_PASSPHRASE = 'notasecret';

function toPkcs8Pem(pem: string, passphrase?: string): string {
  const key = createPrivateKey({ key: pem, format: 'pem', passphrase });
  if (key.asymmetricKeyType !== 'rsa')
    throw new Error(`expected an RSA key, got ${key.asymmetricKeyType}`);
  return key.export({ type: 'pkcs8', format: 'pem' }).toString();
}

function fromJson(text: string): ParsedKey {
  let json: { private_key?: unknown; client_email?: unknown };
  try {
    json = JSON.parse(text) as typeof json;
  } catch {
    // JSON.parse's message quotes the text around the error: a piece of the key.
    throw new Error('the service-account JSON is not valid JSON');
  }
  if (typeof json.private_key !== 'string') throw new Error('the JSON has no private_key');
  const clientEmail = typeof json.client_email === 'string' ? json.client_email : null;
  return { pem: toPkcs8Pem(json.private_key), clientEmail };
}

function fromPkcs12(base64: string, passphrase: string): ParsedKey {
  const der = Buffer.from(base64.replace(/\s+/g, ''), 'base64');
  if (der.length < 64) throw new Error('not base64 PKCS#12, PEM or JSON');
  const p12 = forge.pkcs12.pkcs12FromAsn1(forge.asn1.fromDer(der.toString('binary')), passphrase);
  const oid = forge.pki.oids.pkcs8ShroudedKeyBag;
  const bag =
    p12.getBags({ bagType: oid })[oid]?.[0] ??
    p12.getBags({ bagType: forge.pki.oids.keyBag })[forge.pki.oids.keyBag]?.[0];
  if (!bag?.key) throw new Error('the PKCS#12 file holds no private key');
  return { pem: toPkcs8Pem(forge.pki.privateKeyToPem(bag.key)), clientEmail: null };
}

export function parsePrivateKey(input: string, passphrase?: string): ParsedKey {
  const text = input.trim();
  try {
    if (text.startsWith('{')) return fromJson(text);
    if (text.includes('-----BEGIN'))
      return { pem: toPkcs8Pem(text, passphrase), clientEmail: null };
    return fromPkcs12(text, passphrase || GOOGLE_P12_PASSPHRASE);
  } catch (error) {
    const reason = error instanceof Error ? error.message.split('\n')[0] : 'unreadable';
    throw new UserInputError(`privateKey could not be read: ${reason}`, 'privateKey');
  }
}
