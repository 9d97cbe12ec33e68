export { SessionTypesModule } from './session-types.module';
export { assertSessionTypesExist, missingSessionTypes } from './session-type-check';
export { GetSessionTypesQuery, SessionTypeSummary } from './queries/session-type.queries';
