import { ratingChange } from './rate-template';

describe('ratingChange', () => {
  it("counts an organization's first rating once and replaces its later ones in the sum", () => {
    expect(ratingChange(4, undefined)).toEqual({ sum: 4, count: 1 });
    expect(ratingChange(2, 5)).toEqual({ sum: -3, count: 0 });
    expect(ratingChange(5, 5)).toEqual({ sum: 0, count: 0 });
  });
});
