// docker-compose.yml, read as Docker Compose reads it: no Docker engine runs on the machines this is
// built on, so the file's wiring is checked here (services named where they are used, the
// extension built into Keycloak, topics of six partitions, the API and sidecar on the compose
// file's MySQL), and `docker compose config` runs as well wherever Docker Compose is installed.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';

type Service = {
  image?: string;
  build?: string | { context: string; dockerfile?: string };
  command?: string | string[];
  depends_on?: Record<string, { condition: string }>;
  environment?: Record<string, string | number>;
};

const root = path.resolve(__dirname, '..');
const compose = parse(readFileSync(path.join(root, 'docker-compose.yml'), 'utf8')) as {
  services: Record<string, Service>;
  volumes: Record<string, unknown>;
};
const { services } = compose;
const env = (service: string) => services[service].environment ?? {};

it('names only services and volumes the file defines', () => {
  for (const [name, service] of Object.entries(services))
    for (const needed of Object.keys(service.depends_on ?? {}))
      expect(`${name} → ${needed}: ${needed in services}`).toBe(`${name} → ${needed}: true`);
  const used = Object.values(services).flatMap((s) =>
    ((s as { volumes?: string[] }).volumes ?? []).map((v) => v.split(':')[0]),
  );
  for (const volume of used) expect(Object.keys(compose.volumes)).toContain(volume);
  // Docker Compose's own reading, where it is installed (these machines have no Compose plugin).
  if (spawnSync('docker', ['compose', 'version']).status !== 0) return;
  const required = [
    'SECRETS_KEY',
    'API_TOKEN',
    'KEYCLOAK_ADMIN_PASSWORD',
    'KEYCLOAK_CLIENT_SECRET',
  ];
  const config = spawnSync('docker', ['compose', 'config', '--quiet'], {
    cwd: root,
    env: { ...process.env, ...Object.fromEntries(required.map((name) => [name, 'x'])) },
    encoding: 'utf8',
  });
  expect(config.stderr).toBe('');
  expect(config.status).toBe(0);
});

it("builds Keycloak with this project's extension and points it at the compose file's Kafka", () => {
  const keycloak = services.keycloak;
  expect(keycloak.build).toMatchObject({
    context: '.',
    dockerfile: 'keycloak-extension/Dockerfile',
  });
  const dockerfile = readFileSync(path.join(root, 'keycloak-extension/Dockerfile'), 'utf8');
  expect(dockerfile).toMatch(/mvn .*package/);
  expect(dockerfile).toMatch(
    /COPY --from=\S+ .*keycloak-outbound-provisioning\.jar \/opt\/keycloak\/providers\//,
  );
  expect(env('keycloak').KC_SPI_EVENTS_LISTENER__OUTBOUND_PROVISIONING__BOOTSTRAP_SERVERS).toBe(
    'kafka:9092',
  );
  expect(keycloak.depends_on?.['kafka-init']?.condition).toBe('service_completed_successfully');
});

it('makes the event topics with six partitions, the ones the sidecar consumes', () => {
  const script = [services['kafka-init'].command ?? []].flat().join('\n');
  expect(script).toMatch(/for topic in keycloak-events keycloak-admin-events;/);
  expect(script).toMatch(/--topic "\$\$topic" --partitions 6/);
  expect(String(env('sidecar').KAFKA_TOPICS).split(',')).toEqual([
    'keycloak-events',
    'keycloak-admin-events',
  ]);
  expect(env('sidecar').KAFKA_BROKERS).toBe('kafka:9092');
});

it("runs the API and the sidecar on the compose file's MySQL 8", () => {
  expect(services.mysql.image).toMatch(/^mysql:8\./);
  for (const name of ['api', 'sidecar']) {
    expect(new URL(String(env(name).DATABASE_URL).replace(/\$\{[^}]*\}/g, 'x')).host).toBe(
      'mysql:3306',
    );
    expect(services[name].depends_on?.mysql?.condition).toBe('service_healthy');
  }
});
