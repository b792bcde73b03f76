import { InboundTriggerError, httpStatusOf } from './errors';
import { workflowIdOfPath } from './trigger-server';

describe('inbound webhook paths', () => {
  it('decodes the workflow id, and answers malformed percent-encoding with 400 (not 503)', () => {
    expect(workflowIdOfPath('/hooks/00000000-0000-4000-8000-000000000000')).toBe('00000000-0000-4000-8000-000000000000');
    expect(workflowIdOfPath('/hooks/a%20b')).toBe('a b');
    for (const path of ['/hooks/%E0%A4%A', '/hooks/%', '/hooks/%ZZ']) {
      let err: unknown;
      try {
        workflowIdOfPath(path);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(InboundTriggerError);
      expect(httpStatusOf((err as InboundTriggerError).code)).toBe(400);
    }
  });
});
