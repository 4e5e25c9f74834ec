// The id Google and Salesforce know a user by: the connector's provisioning pattern and separator,
// then the domain rule with the connector's domain (Google Domain or Salesforce Provisioning Domain).
import { applyDomain, buildId, DEFAULT_PATTERN, DEFAULT_SEPARATOR } from '../provisioning/pattern';
import { field, type ConnectorField, type PreviewContext } from './connector-type';
import { separatorOf, text } from './field-values';

export function patternId(
  context: Pick<PreviewContext, 'user' | 'identityProviderName' | 'config'>,
  domainField: string,
): string {
  const { user, config } = context;
  const id = buildId(
    {
      username: user.username,
      userStoreDomain: user.userStoreDomain,
      tenantDomain: user.tenantDomain,
      identityProviderName: context.identityProviderName,
    },
    text(config, 'provisioningPattern') ?? DEFAULT_PATTERN,
    separatorOf(config, 'provisioningSeparator', DEFAULT_SEPARATOR),
  );
  return applyDomain(id, text(config, domainField));
}

/** The pattern and separator fields of a connector type that builds ids from a pattern. */
export function patternFields(patternLabel: string, separatorLabel: string): ConnectorField[] {
  return [
    field('provisioningPattern', patternLabel, 'PATTERN', { default: DEFAULT_PATTERN }),
    field('provisioningSeparator', separatorLabel, 'STRING', { default: DEFAULT_SEPARATOR }),
  ];
}
