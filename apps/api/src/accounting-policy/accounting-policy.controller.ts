import { Body, Controller, Get, Patch, Req, Res } from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { CurrentTenant, Roles } from '../auth/auth.decorators';
import { TenantPrincipal } from '../auth/principal';
import { sendPosition } from '../http/read-your-writes';
import { commandContext } from '../write-side/command-context';
import { ChangeAccountingPolicyDto } from './accounting-policy.dto';
import { ChooseRecognitionBasisCommand } from './choose-recognition-basis/choose-recognition-basis.command';
import { GetAccountingPolicyQuery } from './queries/accounting-policy.query';

/** The business's accounting policy: when revenue is recognised (docs/accounting.md, ADR 0019). */
@ApiTags('accounting')
@ApiBearerAuth()
@Controller('v1/accounting/policy')
export class AccountingPolicyController {
  constructor(
    private readonly commands: CommandBus,
    private readonly queries: QueryBus,
  ) {}

  @Roles('admin', 'accountant')
  @Get()
  get(@CurrentTenant() tenant: TenantPrincipal) {
    return this.queries.execute(new GetAccountingPolicyQuery(tenant.tenantId));
  }

  /** Chooses the recognition basis for packages sold from now on; choosing the basis in force changes nothing. */
  @Roles('admin')
  @Patch()
  async change(@CurrentTenant() tenant: TenantPrincipal, @Body() body: ChangeAccountingPolicyDto, @Req() req: Request, @Res({ passthrough: true }) res: Response) {
    const decided = await this.commands.execute(new ChooseRecognitionBasisCommand(body.recognitionBasis, body.reason, commandContext(tenant, req)));
    if (decided.position) sendPosition(res, decided.position);
    return this.queries.execute(new GetAccountingPolicyQuery(tenant.tenantId));
  }
}
