export * from './aes-gcm.cipher.js';
export * from './in-memory.key-vault.js';
