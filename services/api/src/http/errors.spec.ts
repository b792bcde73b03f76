import { BadRequestException, NotFoundException } from '@nestjs/common';
import { z } from 'zod';
import { ApiError } from './errors';
import { toErrorResponse } from './error.filter';
import { parseOr400 } from './zod.pipe';

describe('error responses', () => {
  it('maps API errors to their status and keeps details', () => {
    expect(toErrorResponse(new ApiError('not_found', 'workflow not found'))).toMatchObject({
      status: 404,
      body: { code: 'not_found', message: 'workflow not found' },
    });
    expect(toErrorResponse(new ApiError('invalid_workflow', 'x', [{ nodeId: 'a' }])).body.details).toEqual([{ nodeId: 'a' }]);
  });
  it('maps framework and body-parser errors without leaking internals', () => {
    expect(toErrorResponse(new NotFoundException()).body.code).toBe('not_found');
    expect(toErrorResponse(new BadRequestException('nope')).status).toBe(400);
    expect(toErrorResponse({ status: 400, type: 'entity.parse.failed', expose: true, message: 'Unexpected token' }).body.message).toMatch(/not valid JSON/);
    const r = toErrorResponse(new Error('password=secret'));
    expect(r).toMatchObject({ status: 500, unexpected: true });
    expect(r.body.message).not.toMatch(/secret/);
  });
  it('turns zod failures into a 400 that names the field', () => {
    const s = z.object({ name: z.string().min(1) }).strict();
    try {
      parseOr400(s, { name: '' });
      throw new Error('should fail');
    } catch (e) {
      expect(e).toBeInstanceOf(ApiError);
      expect((e as ApiError).code).toBe('validation_failed');
      expect((e as ApiError).message).toMatch(/name/);
      expect((e as ApiError).details).toEqual([expect.objectContaining({ path: 'name' })]);
    }
  });
});
