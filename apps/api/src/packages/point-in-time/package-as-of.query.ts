import { IQueryHandler, Query, QueryHandler } from '@nestjs/cqrs';
import { ClientContact, ClientDirectory } from '../../clients';
import { PackageReplay, ReplayedPackage, ReplayResult } from './package-replay';

/** As GET /v1/packages/{id} shows a package: with the client's name and email as they are now (null once erased). */
export type PackageAsOfAnswer = Exclude<ReplayResult, { kind: 'found' }> | { kind: 'found'; package: ReplayedPackage & { client: ClientContact | null } };

export class GetPackageAsOfQuery extends Query<PackageAsOfAnswer> {
  constructor(
    readonly tenantId: string,
    readonly packageId: string,
    readonly asOf: string,
  ) {
    super();
  }
}

@QueryHandler(GetPackageAsOfQuery)
export class GetPackageAsOfHandler implements IQueryHandler<GetPackageAsOfQuery> {
  constructor(
    private readonly replay: PackageReplay,
    private readonly clients: ClientDirectory,
  ) {}

  async execute({ tenantId, packageId, asOf }: GetPackageAsOfQuery): Promise<PackageAsOfAnswer> {
    const result = await this.replay.asOf(tenantId, packageId, asOf);
    if (result.kind !== 'found') return result;
    const contactOf = await this.clients.contacts(tenantId, [result.package.clientId]);
    return { kind: 'found', package: { ...result.package, client: contactOf(result.package.clientId) } };
  }
}
