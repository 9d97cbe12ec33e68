/** Digits after the decimal point of a currency (2 for EUR, 0 for JPY, 3 for BHD), from the runtime's ISO 4217 data. */
export function minorDigits(currency: string): number {
  return new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
}

/** Minor units as a plain decimal, e.g. 1250 EUR → "12.50", -5 EUR → "-0.05", 1250 JPY → "1250". Integer arithmetic only. */
export function formatMinor(amount: number, currency: string): string {
  if (!Number.isSafeInteger(amount)) throw new Error(`Not a whole number of minor units: ${amount}`);
  const digits = minorDigits(currency);
  const sign = amount < 0 ? '-' : '';
  const text = String(Math.abs(amount)).padStart(digits + 1, '0');
  return digits === 0 ? `${sign}${text}` : `${sign}${text.slice(0, -digits)}.${text.slice(-digits)}`;
}
