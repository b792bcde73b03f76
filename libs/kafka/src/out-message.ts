/** A message a consumer's handler asks to produce (in the transaction that commits its input). */
export interface OutMessage {
  topic: string;
  key: string | null;
  value: string | null;
  headers?: Record<string, string>;
}
