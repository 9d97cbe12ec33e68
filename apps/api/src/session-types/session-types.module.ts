import { Module } from '@nestjs/common';
import { CreateSessionTypeHandler } from './create-session-type/create-session-type.command';
import { GetSessionTypeHandler, GetSessionTypesHandler, ListSessionTypesHandler } from './queries/session-type.queries';
import { SessionTypesController } from './session-types.controller';
import { UpdateSessionTypeHandler } from './update-session-type/update-session-type.command';

@Module({
  controllers: [SessionTypesController],
  providers: [CreateSessionTypeHandler, UpdateSessionTypeHandler, GetSessionTypeHandler, GetSessionTypesHandler, ListSessionTypesHandler],
})
export class SessionTypesModule {}
