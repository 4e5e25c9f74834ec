// The id Google and Salesforce know a user by: the connector's provisioning pattern and separator,
// then the domain rule with the connector's domain (Google Domain or Salesforce Provisioning Domain).
import { applyDomain, buildId, DEFAULT_PATTERN, DEFAULT_SEPARATOR } from '../provisioning/pattern';
import type { PreviewContext } from './connector-type';
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
