// SPDX-License-Identifier: UNLICENSED
// TeeproofVerifier: checks a teeproof proof exported with `teeproof export --format eip191`
// on chain. The notary's secp256k1 key signs, with EIP-191 personal_sign, the 32-byte
// message keccak256(canonical claims); this contract recovers the signer, requires it on an
// owner-managed allow-list of notary addresses (each one read from a proof whose TEE
// evidence `teeproof verify` accepted), and returns the claims hash a caller compares with
// keccak256 of the claims it was given. See docs/evm.md.
pragma solidity ^0.8.20;

contract TeeproofVerifier {
    // Half the secp256k1 group order: an s above it is the malleable twin of a signature.
    uint256 private constant HALF_ORDER =
        0x7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0;
    uint256 private constant MESSAGE_LENGTH = 32; // keccak256(canonical claims)
    uint256 private constant SIGNATURE_LENGTH = 65; // r || s || v

    address public owner;
    mapping(address => bool) public isNotary;

    event NotaryAllowed(address indexed notary);
    event NotaryRevoked(address indexed notary);
    event OwnershipTransferred(address indexed previousOwner, address indexed newOwner);

    error NotOwner();
    error ZeroAddress();
    error BadMessageLength(uint256 length);
    error BadSignatureLength(uint256 length);
    error BadSignatureV(uint8 v);
    error BadSignatureS();
    error InvalidSignature();
    error UnknownSigner(address signer);
    error ClaimsMismatch();

    modifier onlyOwner() {
        if (msg.sender != owner) revert NotOwner();
        _;
    }

    constructor() {
        owner = msg.sender;
        emit OwnershipTransferred(address(0), msg.sender);
    }

    function transferOwnership(address newOwner) external onlyOwner {
        if (newOwner == address(0)) revert ZeroAddress();
        emit OwnershipTransferred(owner, newOwner);
        owner = newOwner;
    }

    // Notary keys rotate (by default hourly): allow each new address once its proof's
    // evidence verified off chain, and revoke the ones whose window is over.
    function allowNotary(address notary) external onlyOwner {
        if (notary == address(0)) revert ZeroAddress();
        isNotary[notary] = true;
        emit NotaryAllowed(notary);
    }

    function revokeNotary(address notary) external onlyOwner {
        isNotary[notary] = false;
        emit NotaryRevoked(notary);
    }

    // The EIP-191 (version 0x45) hash personal_sign signs for a 32-byte message.
    function personalHash(bytes32 message) public pure returns (bytes32) {
        return keccak256(abi.encodePacked("\x19Ethereum Signed Message:\n32", message));
    }

    // Reverts unless `signature` is an allow-listed notary's EIP-191 signature over
    // `message`; returns that notary and the claims hash (the message itself).
    function verify(bytes calldata message, bytes calldata signature)
        external
        view
        returns (address signer, bytes32 claimsHash)
    {
        return _verify(message, signature);
    }

    // verify, and that `claims` (the canonical claims text of the export) is what was
    // signed: for callers that go on to read values out of the claims.
    function verifyClaims(bytes calldata claims, bytes calldata message, bytes calldata signature)
        external
        view
        returns (address signer, bytes32 claimsHash)
    {
        (signer, claimsHash) = _verify(message, signature);
        if (keccak256(claims) != claimsHash) revert ClaimsMismatch();
    }

    function _verify(bytes calldata message, bytes calldata signature)
        private
        view
        returns (address signer, bytes32 claimsHash)
    {
        if (message.length != MESSAGE_LENGTH) revert BadMessageLength(message.length);
        if (signature.length != SIGNATURE_LENGTH) revert BadSignatureLength(signature.length);
        claimsHash = bytes32(message);
        bytes32 r = bytes32(signature[0:32]);
        bytes32 s = bytes32(signature[32:64]);
        uint8 v = uint8(signature[64]);
        if (v != 27 && v != 28) revert BadSignatureV(v);
        if (uint256(s) > HALF_ORDER) revert BadSignatureS();
        signer = ecrecover(personalHash(claimsHash), v, r, s);
        if (signer == address(0)) revert InvalidSignature();
        if (!isNotary[signer]) revert UnknownSigner(signer);
    }
}
