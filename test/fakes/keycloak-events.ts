// Keycloak admin events as a Kafka event listener serialises them (SPI shape, Keycloak 26), for
// the tests and benchmarks that feed the sidecar.
import { randomUUID } from 'node:crypto';

export function adminEvent(
  resourceType: 'USER' | 'GROUP' | 'GROUP_MEMBERSHIP',
  operationType: 'CREATE' | 'UPDATE' | 'DELETE',
  resourcePath: string,
  representation: object | null,
  realm: { id: string; name: string },
  time = Date.now(),
): string {
  return JSON.stringify({
    id: randomUUID(),
    time,
    realmId: realm.id,
    realmName: realm.name,
    authDetails: {
      realmId: 'master-id',
      realmName: 'master',
      clientId: 'admin-cli',
      userId: 'admin',
      ipAddress: '127.0.0.1',
    },
    resourceType,
    resourceTypeAsString: resourceType,
    operationType,
    resourcePath,
    representation: representation === null ? null : JSON.stringify(representation),
    error: null,
    details: null,
  });
}
