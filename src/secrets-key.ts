// The key that seals connector secrets: SECRETS_KEY, else (embedded SQLite only) a key file in the
// data folder, generated once. Checked against what the database already holds: a missing key
// file beside sealed secrets, or a key that opens none of them, stops the start with the reason,
// since a new or wrong key would quietly break every connector.
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import type { DataSource } from 'typeorm';
import { ConfigError } from './common/errors';
import { logger } from './common/logger';
import { SecretBox } from './common/secrets';
import type { Config } from './config';

const log = logger('core');

async function sealedSecrets(dataSource: DataSource): Promise<{ id: string; secrets: string }[]> {
  return dataSource.query('SELECT id, secrets FROM connector WHERE secrets IS NOT NULL');
}

function opens(box: SecretBox, sealed: string): boolean {
  try {
    box.openJson(sealed);
    return true;
  } catch {
    return false;
  }
}

function keyFromFile(file: string, sealedCount: number): Buffer {
  if (!existsSync(file)) {
    if (sealedCount > 0)
      throw new ConfigError(
        `${file} is missing, but ${sealedCount} connector(s) hold secrets sealed with it: restore the file, or set SECRETS_KEY to that key (a new key could not open them)`,
      );
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, randomBytes(32).toString('base64'), { mode: 0o600 });
    log.warn(
      { file },
      'SECRETS_KEY is not set: generated a key file for the embedded database; back it up or set SECRETS_KEY',
    );
  }
  chmodSync(file, 0o600);
  return Buffer.from(readFileSync(file, 'utf8').trim(), 'base64');
}

export async function openSecretBox(config: Config, dataSource: DataSource): Promise<SecretBox> {
  const sealed = await sealedSecrets(dataSource);
  const file = path.resolve(config.dataDir, 'secrets.key');
  const box = new SecretBox(config.secretsKey ?? keyFromFile(file, sealed.length));
  const unreadable = sealed.filter((row) => !opens(box, row.secrets)).map((row) => row.id);
  const source = config.secretsKey ? 'SECRETS_KEY' : file;
  if (sealed.length && unreadable.length === sealed.length)
    throw new ConfigError(
      `${source} opens none of the ${sealed.length} connector secret(s) in the database: it is not the key they were sealed with`,
    );
  if (unreadable.length)
    log.error(
      { connectors: unreadable },
      `${source} cannot open the secrets of ${unreadable.length} connector(s), sealed under another key: they fail until configured again`,
    );
  return box;
}
