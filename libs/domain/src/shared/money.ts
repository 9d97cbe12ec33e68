/** Money in integer minor units (cents) and an ISO 4217 currency code. Never floats. */
export interface Money {
  amount: number;
  currency: string;
}

export function isValidCurrency(code: string): boolean {
  return /^[A-Z]{3}$/.test(code) && Intl.supportedValuesOf('currency').includes(code);
}
