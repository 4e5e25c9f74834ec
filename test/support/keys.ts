// Test keys made at run time: an RSA key as PEM, as base64 PKCS#12 and as a service-account JSON.
import { generateKeyPairSync } from 'node:crypto';
import forge from 'node-forge';

export interface TestKeys {
  pem: string;
  publicPem: string;
  p12Base64: (passphrase: string) => string;
  serviceAccountJson: (clientEmail: string) => string;
}

export function makeTestKeys(): TestKeys {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  return {
    pem,
    publicPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    p12Base64(passphrase) {
      // Like Google's .p12 files: the key plus its self-signed certificate.
      const key = forge.pki.privateKeyFromPem(pem);
      const cert = forge.pki.createCertificate();
      cert.publicKey = forge.pki.setRsaPublicKey(key.n, key.e);
      cert.serialNumber = '01';
      cert.validity.notBefore = new Date();
      cert.validity.notAfter = new Date(Date.now() + 86_400_000);
      cert.setSubject([{ name: 'commonName', value: 'test-service-account' }]);
      cert.setIssuer([{ name: 'commonName', value: 'test-service-account' }]);
      cert.sign(key, forge.md.sha256.create());
      const asn1 = forge.pkcs12.toPkcs12Asn1(key, [cert], passphrase, { algorithm: '3des' });
      return Buffer.from(forge.asn1.toDer(asn1).getBytes(), 'binary').toString('base64');
    },
    serviceAccountJson(clientEmail) {
      return JSON.stringify({
        type: 'service_account',
        client_email: clientEmail,
        private_key: pem,
        private_key_id: 'k1',
      });
    },
  };
}
