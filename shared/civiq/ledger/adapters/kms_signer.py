"""Digests signed by an asymmetric KMS key (RSA, SIGN_VERIFY): the private key never leaves KMS,
and its key policy lets only the digest job sign. Signatures are verified here with the key's
public half (fetched once), as anyone may verify them, without calling KMS per digest. A digest
names the key by its ARN, whichever way (id, alias, ARN) the key was configured."""

from __future__ import annotations

from functools import cached_property
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.serialization import load_der_public_key

from civiq.ledger.domain.digests import SignedDigest


class KmsDigestSigner:
    algorithm = "RSASSA_PKCS1_V1_5_SHA_256"

    def __init__(self, kms_client: Any, key: str) -> None:
        self._kms = kms_client
        self._key = key  # as configured: the key's id, ARN or alias

    @cached_property
    def key_id(self) -> str:
        """The key's ARN."""
        return str(self._kms.describe_key(KeyId=self._key)["KeyMetadata"]["Arn"])

    def sign(self, message: bytes) -> bytes:
        """Signs ``message`` itself (MessageType RAW: a digest is well under KMS's 4 KB)."""
        signed = self._kms.sign(
            KeyId=self._key, Message=message, MessageType="RAW", SigningAlgorithm=self.algorithm
        )
        return bytes(signed["Signature"])

    def verifies(self, digest: SignedDigest) -> bool:
        return digest.signed_by(self.key_id, self.algorithm, self._valid)

    def _valid(self, message: bytes, signature: bytes) -> bool:
        try:
            self._public_key.verify(signature, message, padding.PKCS1v15(), hashes.SHA256())
        except InvalidSignature:
            return False
        return True

    @cached_property
    def _public_key(self) -> rsa.RSAPublicKey:
        der = self._kms.get_public_key(KeyId=self._key)["PublicKey"]
        key = load_der_public_key(bytes(der))
        if not isinstance(key, rsa.RSAPublicKey):
            raise TypeError(f"the digest key {self.key_id} is not an RSA key")
        return key
