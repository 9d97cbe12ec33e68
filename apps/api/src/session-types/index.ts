export { SessionTypesModule } from './session-types.module';
export { assertSessionTypesExist, missingSessionTypes } from './session-type-check';
