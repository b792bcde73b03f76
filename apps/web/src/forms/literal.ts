/** Text typed by a person → the literal a condition compares with (numbers and booleans as such). */
export const parseLiteral = (s: string): string | number | boolean | null => {
  const t = s.trim();
  if (t === 'true') return true;
  if (t === 'false') return false;
  if (t === 'null') return null;
  if (t !== '' && /^-?\d+(\.\d+)?$/.test(t)) return Number(t);
  return s;
};
