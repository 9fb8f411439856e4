"""The one Temporal client factory, used by the API, the workers, the launcher and the tests.

It sets the Pydantic data converter, the AES-256-GCM payload codec (failure messages encoded
too) and the OpenTelemetry tracing interceptor, so no two processes can disagree.
"""

from __future__ import annotations

import dataclasses

from temporalio.client import Client
from temporalio.contrib.opentelemetry import TracingInterceptor
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.converter import DataConverter, DefaultFailureConverterWithEncodedAttributes

from core.codec import EncryptionCodec
from core.crypto import Keyring
from core.keys import load_keyring
from core.settings import Settings, get_settings


def data_converter(keyring: Keyring | None) -> DataConverter:
    """Pydantic converter plus encryption; ``keyring=None`` gives the raw (codec-less) view."""
    if keyring is None:
        return pydantic_data_converter
    return dataclasses.replace(
        pydantic_data_converter,
        payload_codec=EncryptionCodec(keyring),
        failure_converter_class=DefaultFailureConverterWithEncodedAttributes,
    )


async def connect(
    settings: Settings | None = None, *, keyring: Keyring | None = None, encrypted: bool = True
) -> Client:
    """Connect to Temporal. The keyring is read from Vault unless given.

    Raises RuntimeError when Vault holds no keyring, and RuntimeError from the SDK when the
    server cannot be reached.
    """
    settings = settings or get_settings()
    if encrypted and keyring is None:
        keyring = await load_keyring(settings)
    return await Client.connect(
        settings.temporal.address,
        namespace=settings.temporal.namespace,
        data_converter=data_converter(keyring if encrypted else None),
        interceptors=[TracingInterceptor()],
    )
