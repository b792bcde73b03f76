/**
 * A timestamptz as an answer carries it. pg reads timestamptz columns as Date, and JSON.stringify
 * writes a Date as its toISOString(): converting here is what the answer always said, now in the
 * type the contract (libs/contracts/src/api) names.
 */
export const iso = (d: Date | string): string => (d instanceof Date ? d.toISOString() : d);

export const isoOrNull = (d: Date | string | null): string | null => (d === null ? null : iso(d));
