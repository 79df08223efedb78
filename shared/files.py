"""Files in S3 (exports and uploaded imports): a streaming multipart upload, reads, and
short-lived presigned URLs. One client per warm Lambda (shared.aws)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, BinaryIO, cast
from urllib.parse import quote

from botocore.exceptions import ConnectionClosedError, IncompleteReadError, ReadTimeoutError, ResponseStreamingError

from shared.aws import client

PART_BYTES = 5 * 1024 * 1024  # S3's smallest part (but the last): the least memory a part can hold


class MultipartWriter:
    """A write-only binary stream into an S3 multipart upload: memory stays at one part whatever
    the size. Nothing is visible in the bucket until `complete`; `abort` drops every part."""

    def __init__(self, bucket: str, key: str, content_type: str) -> None:
        self.bucket, self.key = bucket, key
        self._s3 = client("s3")
        self.upload_id = self._s3.create_multipart_upload(Bucket=bucket, Key=key, ContentType=content_type,
                                                          ServerSideEncryption="AES256")["UploadId"]
        self._buffer = bytearray()
        self._parts: list[dict[str, Any]] = []
        self.size = 0

    def write(self, data: bytes) -> int:
        self._buffer += data
        self.size += len(data)
        if len(self._buffer) >= PART_BYTES:
            self._upload_part()
        return len(data)

    def flush(self) -> None:
        """Parts go up when full; a flush never sends a short part (S3 would refuse it)."""

    def _upload_part(self) -> None:
        number = len(self._parts) + 1
        response = self._s3.upload_part(Bucket=self.bucket, Key=self.key, UploadId=self.upload_id,
                                        PartNumber=number, Body=bytes(self._buffer))
        self._parts.append({"ETag": response["ETag"], "PartNumber": number})
        self._buffer.clear()

    def complete(self) -> None:
        if self._buffer or not self._parts:
            self._upload_part()
        self._s3.complete_multipart_upload(Bucket=self.bucket, Key=self.key, UploadId=self.upload_id,
                                           MultipartUpload={"Parts": self._parts})

    def abort(self) -> None:
        self._s3.abort_multipart_upload(Bucket=self.bucket, Key=self.key, UploadId=self.upload_id)


def abort_upload(bucket: str, key: str, upload_id: str) -> None:
    """Drop an upload a crashed worker left behind (gone already is fine)."""
    try:
        client("s3").abort_multipart_upload(Bucket=bucket, Key=key, UploadId=upload_id)
    except client("s3").exceptions.NoSuchUpload:
        pass


@dataclass(frozen=True)
class SignedUrl:
    url: str
    seconds: int  # how long it works, from `signed_at`
    signed_at: datetime

    @property
    def expires_at(self) -> datetime:
        return self.signed_at + timedelta(seconds=self.seconds)


def download_url(bucket: str, key: str, filename: str, seconds: int) -> SignedUrl:
    """A GET URL valid for `seconds` at most, which saves the object as `filename`."""
    disposition = f"attachment; filename*=UTF-8''{quote(filename)}"
    return _presigned("get_object", {"Bucket": bucket, "Key": key, "ResponseContentDisposition": disposition}, seconds)


def upload_url(bucket: str, key: str, seconds: int) -> SignedUrl:
    """A PUT URL valid for `seconds` at most, taking any Content-Type: SigV4 signs only `host`
    (the object is encrypted by the bucket's default)."""
    return _presigned("put_object", {"Bucket": bucket, "Key": key}, seconds)


def _presigned(operation: str, params: dict[str, str], seconds: int) -> SignedUrl:
    """A presigned URL that promises no more than its credentials can keep: one signed with
    temporary credentials dies when they expire, whatever its X-Amz-Expires
    (https://docs.aws.amazon.com/AmazonS3/latest/userguide/using-presigned-url.html#PresignedUrl-Expiration).
    Credentials that know their expiry (botocore's refreshable ones: assumed roles, container
    credentials, AWS_CREDENTIAL_EXPIRATION) bound the lifetime; Lambda's environment credentials
    carry no expiry, so there the lifetime is as asked and a client whose URL is refused asks
    for a new one."""
    s3 = client("s3")
    signed_at = datetime.now(UTC)
    left = _credentials_seconds_left(s3, signed_at)
    seconds = seconds if left is None else min(seconds, left)
    url = s3.generate_presigned_url(operation, Params=params, ExpiresIn=seconds)
    return SignedUrl(url, seconds, signed_at)


def _credentials_seconds_left(s3: Any, now: datetime) -> int | None:
    """How long the client's credentials still work; None when they do not say."""
    credentials = s3._request_signer._credentials  # what generate_presigned_url signs with
    if credentials is None:
        return None
    credentials.get_frozen_credentials()  # refreshes them first when they are about to expire
    expiry = getattr(credentials, "_expiry_time", None)  # set on botocore's RefreshableCredentials only
    return None if expiry is None else max(1, int((expiry - now).total_seconds()))


class Missing(Exception):
    """The object is not in the bucket."""


def _is_missing(error: Any) -> bool:
    """S3 answers 404 for a missing object only to a caller allowed s3:ListBucket; the functions
    are not, and get 403 AccessDenied instead
    (https://docs.aws.amazon.com/AmazonS3/latest/API/API_HeadObject.html, "Permissions")."""
    return error.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound", "403", "AccessDenied")


def size_of(bucket: str, key: str) -> int | None:
    """The object's size; None when it is not there."""
    try:
        return cast(int, client("s3").head_object(Bucket=bucket, Key=key)["ContentLength"])
    except client("s3").exceptions.ClientError as error:
        if _is_missing(error):
            return None
        raise


def open_stream(bucket: str, key: str, start: int = 0) -> BinaryIO:
    """The object's body from byte `start` on, as a stream read as it goes (never whole in
    memory); Missing when it is not there."""
    try:
        ranged = {"Range": f"bytes={start}-"} if start else {}
        return cast(BinaryIO, client("s3").get_object(Bucket=bucket, Key=key, **ranged)["Body"])
    except client("s3").exceptions.ClientError as error:
        if _is_missing(error):
            raise Missing(key) from None
        raise


# A body read cut short: the connection dropped or timed out while a slow reader (an import
# writing its rows) held it open; the rest is read again from where it stopped (a Range GET).
STREAM_BROKEN = (IncompleteReadError, ReadTimeoutError, ResponseStreamingError, ConnectionClosedError)


class RangedFile:
    """A read-only, seekable view of an object, fetched one 1 MB range at a time as it is read:
    a zip (an .xlsx) is read from its end (the central directory) and then by parts, so it can
    neither be streamed from the start nor be held whole in memory. `read_bytes` counts the
    bytes fetched (an import's progress); a fetch cut short is made again, a few times."""

    BLOCK = 1024 * 1024
    REFETCHES = 5

    def __init__(self, bucket: str, key: str, size: int) -> None:
        self._bucket, self._key, self.size = bucket, key, size
        self._position, self._block_start, self._block = 0, -1, b""
        self.read_bytes = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._position

    def seek(self, offset: int, whence: int = 0) -> int:
        base = {0: 0, 1: self._position, 2: self.size}[whence]
        if base + offset < 0:
            raise ValueError("negative seek position")
        self._position = base + offset
        return self._position

    def read(self, size: int = -1) -> bytes:
        end = self.size if size is None or size < 0 else min(self.size, self._position + size)
        parts = []
        while self._position < end:
            start = self._position - self._position % self.BLOCK
            if start != self._block_start:
                self._block, self._block_start = self._fetch(start, min(self.size, start + self.BLOCK)), start
            piece = self._block[self._position - start:end - start]
            if not piece:  # the object is shorter than it was: end there
                break
            parts.append(piece)
            self._position += len(piece)
        return b"".join(parts)

    def _fetch(self, start: int, end: int) -> bytes:
        for attempt in range(self.REFETCHES + 1):
            try:
                body = client("s3").get_object(Bucket=self._bucket, Key=self._key, Range=f"bytes={start}-{end - 1}")
                data: bytes = body["Body"].read()
                break
            except STREAM_BROKEN:
                if attempt == self.REFETCHES:
                    raise
            except client("s3").exceptions.ClientError as error:
                if _is_missing(error):
                    raise Missing(self._key) from None
                raise
        self.read_bytes += len(data)
        return data
