// @peculiar/x509 2.x needs a Reflect polyfill loaded before it (through tsyringe). Every module uses
// x509 through this file, so the order below is the order of evaluation.
import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as unknown as Crypto);

export { x509 };
export const subtle = webcrypto.subtle;
