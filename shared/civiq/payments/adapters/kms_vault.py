"""Envelope encryption with a KMS key: each sealed value has a data key of its own (KMS
GenerateDataKey, AES-256), used once with AES-GCM and kept only encrypted by the KMS key beside
the ciphertext. The context is KMS's encryption context and the cipher's associated data: a
value opens only with the context it was sealed with (an account's bank account for that
account). Only the KMS key's holders can open a value: a copy of the table reveals nothing."""

from __future__ import annotations

import base64
import json
import os
from collections.abc import Mapping
from typing import Any

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

VERSION = "kms1"
NONCE_BYTES = 12


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


class KmsVault:
    def __init__(self, kms_client: Any, key_id: str) -> None:
        self._kms = kms_client
        self._key_id = key_id

    def seal(self, plain: bytes, context: Mapping[str, str]) -> str:
        key = self._kms.generate_data_key(
            KeyId=self._key_id, KeySpec="AES_256", EncryptionContext=dict(context)
        )
        nonce = os.urandom(NONCE_BYTES)
        sealed = AESGCM(key["Plaintext"]).encrypt(nonce, plain, _associated(context))
        parts = (key["CiphertextBlob"], nonce, sealed)
        return ".".join([VERSION, *(_b64(p) for p in parts)])

    def unseal(self, sealed: str, context: Mapping[str, str]) -> bytes:
        version, *parts = sealed.split(".")
        if version != VERSION or len(parts) != 3:
            raise ValueError("not a value this vault sealed")
        wrapped, nonce, data = (base64.b64decode(p) for p in parts)
        key = self._kms.decrypt(CiphertextBlob=wrapped, EncryptionContext=dict(context))
        return AESGCM(key["Plaintext"]).decrypt(nonce, data, _associated(context))


def _associated(context: Mapping[str, str]) -> bytes:
    return json.dumps(dict(context), sort_keys=True).encode()
