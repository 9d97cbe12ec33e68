import { Module } from '@nestjs/common';
import { AccountingPolicyController } from './accounting-policy.controller';
import { ChooseRecognitionBasisHandler } from './choose-recognition-basis/choose-recognition-basis.command';
import { GetAccountingPolicyHandler } from './queries/accounting-policy.query';

/** The business's accounting policy (the revenue recognition basis), an event stream of its own. */
@Module({ controllers: [AccountingPolicyController], providers: [ChooseRecognitionBasisHandler, GetAccountingPolicyHandler] })
export class AccountingPolicyModule {}
