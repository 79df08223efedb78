"""Files in S3 (exports and uploaded imports): a streaming multipart upload, reads, and
short-lived presigned URLs. One client per warm Lambda (shared.aws)."""

from __future__ import annotations

from typing import Any, BinaryIO
from urllib.parse import quote

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


def download_url(bucket: str, key: str, filename: str, seconds: int) -> str:
    """A GET URL valid for `seconds`, which saves the object as `filename`."""
    disposition = f"attachment; filename*=UTF-8''{quote(filename)}"
    return client("s3").generate_presigned_url(
        "get_object", Params={"Bucket": bucket, "Key": key, "ResponseContentDisposition": disposition},
        ExpiresIn=seconds)


def upload_url(bucket: str, key: str, seconds: int) -> str:
    """A PUT URL valid for `seconds` (the object is encrypted by the bucket's default)."""
    return client("s3").generate_presigned_url("put_object", Params={"Bucket": bucket, "Key": key}, ExpiresIn=seconds)


def size_of(bucket: str, key: str) -> int | None:
    try:
        return client("s3").head_object(Bucket=bucket, Key=key)["ContentLength"]
    except client("s3").exceptions.ClientError as error:
        if error.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
            return None
        raise


def head_bytes(bucket: str, key: str, count: int) -> bytes:
    return client("s3").get_object(Bucket=bucket, Key=key, Range=f"bytes=0-{count - 1}")["Body"].read()


def open_stream(bucket: str, key: str) -> BinaryIO:
    """The object's body as a stream read as it goes (never whole in memory)."""
    return client("s3").get_object(Bucket=bucket, Key=key)["Body"]
