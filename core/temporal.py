"""The one Temporal client factory, used by the API, the workers, the launcher and the tests.

It sets the Pydantic data converter, the per-tenant AES-256-GCM payload codec (core/codec.py;
failure messages encoded too) and the OpenTelemetry tracing interceptor, so no two processes can
disagree.
"""

from __future__ import annotations

import dataclasses

from temporalio.client import Client
from temporalio.contrib.opentelemetry import TracingInterceptor
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.converter import DataConverter, DefaultFailureConverterWithEncodedAttributes
from temporalio.runtime import Runtime

from core.codec import EncryptionCodec, Scoping
from core.keycache import KeyringCache
from core.settings import Settings, get_settings


def data_converter(keys: KeyringCache | None, scoping: Scoping | None = None) -> DataConverter:
    """Pydantic converter plus encryption; ``keys=None`` gives the raw (codec-less) view.
    ``scoping`` (``workflows.ids``) is required with keys. Raises TypeError without it."""
    if keys is None:
        return pydantic_data_converter
    if scoping is None:
        raise TypeError("an encrypting data converter needs scoping=workflows.ids")
    return dataclasses.replace(
        pydantic_data_converter,
        payload_codec=EncryptionCodec(keys, scoping),
        failure_converter_class=DefaultFailureConverterWithEncodedAttributes,
    )


def codec_of(client: Client) -> EncryptionCodec:
    """The client's codec (the API's codec server shares it and its keyring cache).
    Raises TypeError for a codec-less client."""
    codec = client.data_converter.payload_codec
    if not isinstance(codec, EncryptionCodec):
        raise TypeError("this client has no encryption codec")
    return codec


async def connect(
    settings: Settings | None = None,
    *,
    scoping: Scoping | None = None,
    keys: KeyringCache | None = None,
    encrypted: bool = True,
    runtime: Runtime | None = None,
) -> Client:
    """Connect to Temporal. ``scoping`` is ``workflows.ids`` (required unless ``encrypted`` is
    False: who owns a workflow id, which core may not import itself). Keyrings are read from
    (and created in) Vault on first use, cached per tenant for ``crypto.key_cache_s``, unless
    ``keys`` is given.

    ``runtime``: a worker's runtime with its Prometheus exporter (core/telemetry.py), else the
    SDK's default. Raises TypeError (encrypted, no scoping), VaultUnavailable without a Vault token
    (encrypted), RuntimeError from the SDK when the server cannot be reached.
    """
    settings = settings or get_settings()
    if encrypted and scoping is None:
        raise TypeError("an encrypted client needs scoping=workflows.ids")
    if encrypted and keys is None:
        keys = KeyringCache.from_settings(settings)
    return await Client.connect(
        settings.temporal.address,
        namespace=settings.temporal.namespace,
        data_converter=data_converter(keys, scoping) if encrypted else pydantic_data_converter,
        interceptors=[TracingInterceptor()],
        runtime=runtime,
    )
