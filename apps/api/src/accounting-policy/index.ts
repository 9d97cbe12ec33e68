export { AccountingPolicyModule } from './accounting-policy.module';
