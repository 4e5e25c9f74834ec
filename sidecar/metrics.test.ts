import { eventTypeLabels } from './metrics';

describe('event type labels', () => {
  it("keeps Keycloak's type names and turns anything else into `other`", () => {
    const label = eventTypeLabels();
    expect(label('REGISTER')).toBe('REGISTER');
    expect(label('GROUP_MEMBERSHIP:DELETE')).toBe('GROUP_MEMBERSHIP:DELETE');
    expect(label('<script>')).toBe('other');
    expect(label('register')).toBe('other');
    expect(label(`X${'_'.repeat(100)}`)).toBe('other');
  });

  it('stops adding new labels after 200 distinct types, keeping the ones it has', () => {
    const label = eventTypeLabels();
    const types = Array.from({ length: 250 }, (_, i) => `CUSTOM_${i}`);
    const labels = types.map(label);
    expect(new Set(labels).size).toBe(201);
    expect(labels.slice(200).every((l) => l === 'other')).toBe(true);
    expect(label('CUSTOM_5')).toBe('CUSTOM_5');
  });
});
