import { startTelnyxStandin } from '@fixlify/testing';
import { LOCAL_TELNYX_SIGNING_SEED, localProviderEnv } from './providers';

describe('the local providers', () => {
  it("give ingest the public key of the Telnyx stand-in's signing key, so `npm start` verifies its inbound texts", async () => {
    const telnyx = await startTelnyxStandin({ port: 0, signingSeed: LOCAL_TELNYX_SIGNING_SEED });
    try {
      expect(localProviderEnv().TELNYX_PUBLIC_KEY).toBe(telnyx.publicKey);
      expect(Buffer.from(telnyx.publicKey, 'base64')).toHaveLength(32);
    } finally {
      await telnyx.close();
    }
  });
});
