import { hashPassword, verifyPassword } from './password';

describe('password hashing', () => {
  it('verifies the right password only', async () => {
    const h = await hashPassword('correct horse');
    expect(h).toMatch(/^scrypt\$16384\$8\$1\$/);
    await expect(verifyPassword('correct horse', h)).resolves.toBe(true);
    await expect(verifyPassword('correct horsf', h)).resolves.toBe(false);
  });
  it('salts every hash and rejects malformed ones', async () => {
    expect(await hashPassword('x')).not.toBe(await hashPassword('x'));
    await expect(verifyPassword('x', 'plain')).resolves.toBe(false);
    await expect(verifyPassword('x', 'scrypt$0$8$1$AA$AA')).resolves.toBe(false);
  });
});
