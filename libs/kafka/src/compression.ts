import { compress, decompress } from '@mongodb-js/zstd';
import { CompressionCodecs, CompressionTypes } from 'kafkajs';

/**
 * The automation and change-capture topics are stored zstd-compressed (`compression.type=zstd` on
 * each topic, libs/contracts topic-catalog.ts): the broker compresses what the services produce, and
 * every reader must decompress it. kafkajs ships only gzip; this registers zstd (the native
 * @mongodb-js/zstd) in kafkajs' codec table, which is global to the process. Every kafkajs client of
 * this code base is made after importing this module (libs/kafka client.ts imports it).
 */
export const ZSTD_LEVEL = 3;

let registered = false;
export const registerZstd = (): void => {
  if (registered) return;
  registered = true;
  CompressionCodecs[CompressionTypes.ZSTD] = () => ({
    compress: async (encoder: { buffer: Buffer }) => compress(encoder.buffer, ZSTD_LEVEL),
    decompress: async (buffer: Buffer) => decompress(buffer),
  });
};
registerZstd();
