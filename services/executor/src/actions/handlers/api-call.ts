import { apiCall as callApi } from '@fixlify/channels';
import { text, type ActionHandler } from '../handler';

export const apiCall: ActionHandler<'api_call'> = async (req, kit) => {
  const c = req.config;
  const held = kit.gate.throttle(req, 'api_call');
  if (held) return held;
  const { method, timeoutMs } = req.node.config;
  return kit.deliver(req, 'api_call', async ({ traceparent }) => {
    const r = await callApi({
      url: text(c.url),
      method,
      headers: { traceparent, ...((c.headers as Record<string, string> | undefined) ?? {}) },
      ...(c.body !== undefined ? { body: text(c.body) } : {}),
      ...(c.auth ? { auth: c.auth as never } : {}),
      timeoutMs,
      policy: kit.policy,
      idempotencyKey: req.stepKey,
    });
    return { providerMessageId: null, output: { url: text(c.url), status: r.status, response: r.body } };
  });
};
