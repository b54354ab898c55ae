"""Refuse an oversized avatar while it arrives, not after it was stored."""

from django.core.files.uploadhandler import FileUploadHandler, SkipFile
from django.http import HttpRequest

from members.avatars import AVATAR_MAX_BYTES

TOO_LARGE_ATTRIBUTE = "avatar_upload_too_large"


class AvatarUploadLimitHandler(FileUploadHandler):
    """Placed first among the upload handlers of a view that takes an avatar. Counts the bytes of the
    avatar field; past the cap it drops the file (nothing more is written to memory or disk) and marks
    the request, so the form can say so beside the field. The rest of the body is still read, as HTTP
    requires, but only to be thrown away."""

    def __init__(self, request: HttpRequest, *, field_name: str = "avatar", limit: int = AVATAR_MAX_BYTES):
        super().__init__(request)
        self.field_name = field_name
        self.limit = limit
        self.watching = False
        self.received = 0

    def new_file(self, field_name: str, *args: object, **kwargs: object) -> None:
        super().new_file(field_name, *args, **kwargs)
        self.watching = field_name == self.field_name
        self.received = 0

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        if self.watching:
            self.received += len(raw_data)
            if self.received > self.limit:
                setattr(self.request, TOO_LARGE_ATTRIBUTE, True)
                raise SkipFile
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None  # the next handler (memory or temporary file) builds the file


def avatar_upload_limit(request: HttpRequest) -> None:
    """Call before anything reads request.POST or request.FILES."""
    request.upload_handlers.insert(0, AvatarUploadLimitHandler(request))


def avatar_upload_too_large(request: HttpRequest) -> bool:
    return bool(getattr(request, TOO_LARGE_ATTRIBUTE, False))
