import { Command, CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { accountingPolicyDecider, AccountingPolicyState, accountingPolicyStreamId } from '@punchcard/domain';
import { CommandContext } from '../../write-side/command-context';
import { Decided, StreamExecutor } from '../../write-side/stream-executor';

/** Sets the business's revenue recognition basis; packages sold from then on are accounted on it. */
export class ChooseRecognitionBasisCommand extends Command<Decided<AccountingPolicyState>> {
  constructor(
    readonly basis: string,
    readonly reason: string,
    readonly context: CommandContext,
  ) {
    super();
  }
}

@CommandHandler(ChooseRecognitionBasisCommand)
export class ChooseRecognitionBasisHandler implements ICommandHandler<ChooseRecognitionBasisCommand> {
  constructor(private readonly streams: StreamExecutor) {}

  execute({ basis, reason, context }: ChooseRecognitionBasisCommand) {
    // The choice depends on no time or zone; the context is passed for the Decider's shape only.
    return this.streams.execute(accountingPolicyStreamId(context.tenantId), accountingPolicyDecider, context, (state, now) =>
      accountingPolicyDecider.decide({ type: 'ChooseRecognitionBasis', basis, reason }, state, { now, timezone: 'UTC' }),
    );
  }
}
