/** The NTLMv2 codec: what the scheme glue needs, from one place. */
export { ntHash, parseNtHash, ntowfV2 } from './hash';
export {
  CLIENT_FLAGS,
  NTLM_FLAGS,
  buildAuthenticate,
  buildNegotiate,
  parseChallenge,
  type Challenge,
  type NtlmV2Input,
} from './messages';
