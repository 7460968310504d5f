// fhirclient falls back to isomorphic-webcrypto (React Native and old browsers) only when globalThis.crypto is
// missing; every browser this app supports has Web Crypto, so the fallback is left out of the bundle.
export default globalThis.crypto;
