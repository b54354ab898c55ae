from rest_framework.test import APIClient


class JsonClient(APIClient):
    """Sends JSON bodies, like the programs that use the API."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.default_format = "json"


def error_of(response):
    """The error object of a JSON error response (and a check of the shape every error has)."""
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    body = response.json()
    assert set(body) == {"error"}, body
    error = body["error"]
    assert isinstance(error["code"], str) and error["code"]
    assert isinstance(error["message"], str) and error["message"]
    return error
