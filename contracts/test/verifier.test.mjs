// Compiles TeeproofVerifier.sol with solc-js, deploys it on an in-process EVM
// (@ethereumjs/evm) and checks it against a real proof exported by `teeproof export`:
// TP_EIP191 and TP_PLUTO name the export files (tests/integration/evm.sh makes them with a
// sim notary). Run: TP_EIP191=... TP_PLUTO=... node --test test/
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { createEVM } from '@ethereumjs/evm';
import { createAddressFromString } from '@ethereumjs/util';
import { keccak_256 } from '@noble/hashes/sha3.js';
import solc from 'solc';

const HERE = dirname(fileURLToPath(import.meta.url));
const GAS = 10_000_000n;
const OWNER = createAddressFromString('0x' + '11'.repeat(20));
const STRANGER = createAddressFromString('0x' + '22'.repeat(20));
const ECRECOVER = createAddressFromString('0x' + '00'.repeat(19) + '01');

const hex = (b) => '0x' + Buffer.from(b).toString('hex');
const bytes = (h) => Uint8Array.from(Buffer.from(h.replace(/^0x/, ''), 'hex'));
const keccak = (b) => keccak_256(b);
const selector = (sig) => hex(keccak(Buffer.from(sig)).slice(0, 4));
const word = (n) => BigInt(n).toString(16).padStart(64, '0');

// ABI encoding of (bytes, bytes, ...) arguments and of one address.
function encodeBytesArgs(...args) {
  let head = '';
  let tail = '';
  let offset = 32 * args.length;
  for (const a of args) {
    const b = Buffer.from(a);
    const padded = b.toString('hex').padEnd(Math.ceil(b.length / 32) * 64, '0');
    head += word(offset);
    tail += word(b.length) + padded;
    offset += 32 + padded.length / 2;
  }
  return head + tail;
}
const encodeAddress = (a) => a.replace(/^0x/, '').toLowerCase().padStart(64, '0');

function compile() {
  const source = readFileSync(join(HERE, '..', 'TeeproofVerifier.sol'), 'utf8');
  const input = {
    language: 'Solidity',
    sources: { 'TeeproofVerifier.sol': { content: source } },
    settings: {
      optimizer: { enabled: true, runs: 200 },
      outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object', 'evm.methodIdentifiers'] } },
    },
  };
  const out = JSON.parse(solc.compile(JSON.stringify(input)));
  const errors = (out.errors || []).filter((e) => e.severity === 'error');
  assert.deepEqual(errors, [], 'solc errors');
  return out.contracts['TeeproofVerifier.sol'].TeeproofVerifier;
}

async function deploy() {
  const contract = compile();
  const evm = await createEVM();
  const created = await evm.runCall({ caller: OWNER, data: bytes(contract.evm.bytecode.object), gasLimit: GAS });
  assert.equal(created.execResult.exceptionError, undefined, 'deployment failed');
  const ids = contract.evm.methodIdentifiers;
  const call = async (caller, signature, argsHex) => {
    const r = await evm.runCall({
      caller, to: created.createdAddress, gasLimit: GAS, data: bytes(ids[signature] + argsHex),
    });
    return { reverted: r.execResult.exceptionError !== undefined, ret: hex(r.execResult.returnValue) };
  };
  return { evm, call };
}

const loadExport = (name) => {
  const path = process.env[name];
  return path ? JSON.parse(readFileSync(path, 'utf8')) : null;
};
const eip191 = loadExport('TP_EIP191');
const pluto = loadExport('TP_PLUTO');
const needs = { skip: eip191 === null ? 'TP_EIP191 not set (run tests/integration/evm.sh)' : false };

// The revert data of a custom error: its selector, then the ABI-encoded arguments.
const revertedWith = (r, sig, argsHex = '') => {
  assert.equal(r.reverted, true, `expected a revert with ${sig}`);
  assert.equal(r.ret, selector(sig) + argsHex);
};

test('the export is self-consistent', needs, () => {
  assert.equal(eip191.format, 'teeproof-eip191-v1');
  assert.equal(eip191.claims_hash, eip191.message);
  assert.equal(hex(keccak(Buffer.from(eip191.claims, 'utf8'))), eip191.message);
  const prefixed = Buffer.concat([Buffer.from('\x19Ethereum Signed Message:\n32'), bytes(eip191.message)]);
  assert.equal(hex(keccak(prefixed)), eip191.digest);
  assert.match(eip191.signature, /^0x[0-9a-f]{130}$/);
  assert.match(eip191.signer, /^0x[0-9a-f]{40}$/);
});

test('a real proof verifies with the right signer and claims hash', needs, async () => {
  const { call } = await deploy();
  const verifyArgs = encodeBytesArgs(bytes(eip191.message), bytes(eip191.signature));
  // Before the owner allows the notary: unknown signer.
  revertedWith(await call(OWNER, 'verify(bytes,bytes)', verifyArgs), 'UnknownSigner(address)', encodeAddress(eip191.signer));
  // Only the owner manages the allow-list.
  revertedWith(await call(STRANGER, 'allowNotary(address)', encodeAddress(eip191.signer)), 'NotOwner()');
  assert.equal((await call(OWNER, 'allowNotary(address)', encodeAddress(eip191.signer))).reverted, false);
  const ok = await call(STRANGER, 'verify(bytes,bytes)', verifyArgs);
  assert.equal(ok.reverted, false);
  assert.equal(ok.ret, '0x' + encodeAddress(eip191.signer) + eip191.message.slice(2));
  // With the claims text: the same answer; other claims are refused.
  const claims = Buffer.from(eip191.claims, 'utf8');
  const withClaims = await call(STRANGER, 'verifyClaims(bytes,bytes,bytes)',
    encodeBytesArgs(claims, bytes(eip191.message), bytes(eip191.signature)));
  assert.equal(withClaims.ret, ok.ret);
  const otherClaims = Buffer.from(eip191.claims.replace('"values"', '"valueS"'), 'utf8');
  revertedWith(await call(STRANGER, 'verifyClaims(bytes,bytes,bytes)',
    encodeBytesArgs(otherClaims, bytes(eip191.message), bytes(eip191.signature))), 'ClaimsMismatch()');
  // Revoked: unknown again.
  await call(OWNER, 'revokeNotary(address)', encodeAddress(eip191.signer));
  revertedWith(await call(STRANGER, 'verify(bytes,bytes)', verifyArgs), 'UnknownSigner(address)', encodeAddress(eip191.signer));
});

test('a tampered message or signature reverts', needs, async () => {
  const { call } = await deploy();
  await call(OWNER, 'allowNotary(address)', encodeAddress(eip191.signer));
  const msg = bytes(eip191.message);
  const sig = bytes(eip191.signature);
  const tampered = Uint8Array.from(msg);
  tampered[31] ^= 1; // claims hash of other claims: recovers some other address
  const r = await call(OWNER, 'verify(bytes,bytes)', encodeBytesArgs(tampered, sig));
  assert.equal(r.reverted, true);
  assert.ok(r.ret.startsWith(selector('UnknownSigner(address)')) || r.ret === selector('InvalidSignature()'));
  assert.notEqual(r.ret, selector('UnknownSigner(address)') + encodeAddress(eip191.signer));
  // The malleable twin (n - s, v flipped) recovers the same key but is refused.
  const n = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
  const s = BigInt(hex(sig.slice(32, 64)));
  const twin = Uint8Array.from(sig);
  twin.set(bytes(word(n - s)), 32);
  twin[64] = sig[64] === 27 ? 28 : 27;
  revertedWith(await call(OWNER, 'verify(bytes,bytes)', encodeBytesArgs(msg, twin)), 'BadSignatureS()');
  const badV = Uint8Array.from(sig);
  badV[64] = 1;
  revertedWith(await call(OWNER, 'verify(bytes,bytes)', encodeBytesArgs(msg, badV)), 'BadSignatureV(uint8)', word(1));
  revertedWith(await call(OWNER, 'verify(bytes,bytes)', encodeBytesArgs(msg.slice(1), sig)), 'BadMessageLength(uint256)', word(31));
  revertedWith(await call(OWNER, 'verify(bytes,bytes)', encodeBytesArgs(msg, sig.slice(1))), 'BadSignatureLength(uint256)', word(64));
});

test('an unknown signer reverts', needs, async () => {
  const { call } = await deploy();
  const someoneElse = '0x' + 'ab'.repeat(20);
  await call(OWNER, 'allowNotary(address)', encodeAddress(someoneElse));
  revertedWith(await call(OWNER, 'verify(bytes,bytes)', encodeBytesArgs(bytes(eip191.message), bytes(eip191.signature))),
    'UnknownSigner(address)', encodeAddress(eip191.signer));
});

test("the Pluto export recovers its signer with the EVM's ecrecover, as Pluto's contracts do", {
  skip: pluto === null ? 'TP_PLUTO not set (run tests/integration/evm.sh)' : false,
}, async () => {
  const sig = pluto.signature;
  assert.equal(pluto.data.manifest_hash.length, 32);
  assert.equal(sig.merkle_leaves.length, 2);
  assert.equal(sig.merkle_leaves[1], hex(Uint8Array.from(pluto.data.manifest_hash)));
  if (eip191) {
    assert.equal(sig.signer, eip191.signer);
    assert.equal(sig.merkle_leaves[0], hex(keccak(Buffer.from(eip191.message, 'ascii'))));
  }
  const leaves = Buffer.concat(sig.merkle_leaves.map(bytes));
  assert.equal(hex(keccak(leaves)), sig.digest);
  assert.ok(sig.signature_v === 27 || sig.signature_v === 28);
  const evm = await createEVM();
  const r = await evm.runCall({
    caller: OWNER, to: ECRECOVER, gasLimit: GAS,
    data: bytes(sig.digest.slice(2) + word(sig.signature_v) + sig.signature_r.slice(2) + sig.signature_s.slice(2)),
  });
  assert.equal(hex(r.execResult.returnValue), '0x' + encodeAddress(sig.signer));
  // The DER signature holds the same r and s.
  const der = bytes(sig.signature);
  assert.equal(der[0], 0x30);
});
