/**
 * Data protection for what the vending engine writes to Temporal: the payload codec (history, memo, summaries) and
 * the AccountEmail search attribute's value. One object built from the config, handed to the worker and to every
 * client; with encryption off it is a no-op (no codec, the plain normalized email).
 */
import { type DataConverter } from '@temporalio/common';
import { codecFromConfig, type AesGcmPayloadCodec } from './codec';
import { type EncryptionConfig } from './config';
import { hmacEmailSearchValue, plainEmailSearchValue, type EmailSearchValue } from './search-hash';

export interface DataProtection {
  encrypted: boolean;
  codec?: AesGcmPayloadCodec;
  /** For `new Client({ dataConverter })` and `Worker.create({ dataConverter })`; undefined when encryption is off. */
  dataConverter?: DataConverter;
  /** The AccountEmail search attribute's value for an email. */
  emailSearchValue: EmailSearchValue;
}

export function dataProtection(config: EncryptionConfig | undefined): DataProtection {
  if (!config) return { encrypted: false, emailSearchValue: plainEmailSearchValue };
  const codec = codecFromConfig(config);
  return { encrypted: true, codec, dataConverter: { payloadCodecs: [codec] }, emailSearchValue: hmacEmailSearchValue(config.searchHmacKey) };
}

export { AesGcmPayloadCodec, ENCRYPTED_ENCODING, KEY_ID_METADATA } from './codec';
export { EncryptionConfigSchema, encryptionInputFromEnv, type EncryptionConfig } from './config';
export { hmacEmailSearchValue, normalizeEmail, plainEmailSearchValue, type EmailSearchValue } from './search-hash';
