import { Arg, Mutation, Resolver } from 'type-graphql';
import type { Services } from '../services';
import { ProvisioningPreview, TestProvisioningInput } from './test-provisioning.types';

@Resolver()
export class TestProvisioningResolver {
  constructor(private readonly services: Services) {}

  @Mutation(() => [ProvisioningPreview], {
    description:
      'Shows, per connector, the id the target would know the user by and the exact request; sends nothing',
  })
  testProvisioning(@Arg('input') input: TestProvisioningInput): Promise<ProvisioningPreview[]> {
    return this.services.preview.preview(input);
  }
}
