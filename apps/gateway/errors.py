"""The small exception family every OpenRouter failure is mapped to.

Each error carries a message fit for the page (never the key, never a stack
trace), the HTTP status, the upstream request id when there is one, and for
rate limits how long upstream asked us to wait.
"""

from __future__ import annotations

from apps.core.errors import ConsoleError


class UpstreamError(ConsoleError):
    status: int | None = None
    default_message = "OpenRouter returned an unexpected error."
    http_status = 502

    def __init__(
        self,
        message: str | None = None,
        *,
        status: int | None = None,
        request_id: str = "",
        upstream_message: str = "",
        retry_after: float | None = None,
        field: str | None = None,
        metadata: dict | None = None,
    ) -> None:
        super().__init__(message, field=field)
        if status is not None:
            self.status = status
        self.request_id = request_id
        self.upstream_message = upstream_message
        self.retry_after = retry_after
        # ``error.metadata`` of upstream's body (which layer refused: limit_source, scope, …).
        self.metadata = dict(metadata or {})

    # Worth trying again later (rate limits, timeouts, outages), as opposed to a refusal.
    transient = False

    @property
    def retryable(self) -> bool:
        return self.transient or (
            self.status is not None and (self.status in (408, 429) or self.status >= 500)
        )

    @property
    def outcome_unknown(self) -> bool:
        """A write that failed this way may still have been carried out upstream.

        Known not to have run: a refusal (4xx other than 408), a 429 or 503 (turned away
        before processing), an address that was never reached. Everything else (a timeout,
        a 408, another 5xx, an answer the console could not read) may have.
        """
        if self.reached is False:
            return False
        if self.status is None:
            return True
        if self.status in (429, 503):
            return False
        return self.status == 408 or self.status >= 500

    # False when the request never left (bad address, connection refused).
    reached: bool | None = None

    @property
    def user_message(self) -> str:
        text = self.message
        if self.upstream_message and self.upstream_message not in text:
            text = f"{text} (OpenRouter said: {self.upstream_message})"
        if self.request_id:
            text = f"{text} [request {self.request_id}]"
        return text


class BadRequest(UpstreamError):
    status = 400
    default_message = "OpenRouter rejected the request as invalid."


class AuthenticationFailed(UpstreamError):
    status = 401
    default_message = "The management key was rejected by OpenRouter. Connect a valid key."


class PaymentRequired(UpstreamError):
    status = 402
    default_message = "OpenRouter refused for lack of credits (or the key's limit is used up)."


class Forbidden(UpstreamError):
    status = 403
    default_message = "OpenRouter refused: this key is not allowed to do that."


class NotManagementKey(Forbidden):
    default_message = (
        "That key works, but it is not a management key. Create a management key in "
        "OpenRouter's settings and paste it here."
    )


class NotFound(UpstreamError):
    status = 404
    default_message = "OpenRouter has no such object: it may have been deleted."


class Conflict(UpstreamError):
    status = 409
    default_message = "OpenRouter reported a conflict with the current state; reload and try again."


class PayloadTooLarge(UpstreamError):
    status = 413
    default_message = "OpenRouter refused: the request (a prompt, an image or a file) is too large."


class RateLimited(UpstreamError):
    status = 429
    transient = True
    default_message = "OpenRouter is rate-limiting requests; try again shortly."


class UpstreamUnavailable(UpstreamError):
    transient = True
    default_message = "OpenRouter is unavailable or failing right now; try again shortly."


class UpstreamUnreachable(UpstreamUnavailable):
    """No connection could be made: nothing was sent."""

    reached = False


class UpstreamTimeout(UpstreamError):
    transient = True
    default_message = "OpenRouter did not answer in time; try again shortly."


class InvalidAddress(UpstreamError):
    reached = False
    default_message = "The configured OpenRouter address is not a valid URL."


class NotConnected(UpstreamError):
    reached = False
    default_message = "This organisation has no management key yet. Connect one first."


_BY_STATUS: dict[int, type[UpstreamError]] = {
    400: BadRequest,
    401: AuthenticationFailed,
    402: PaymentRequired,
    403: Forbidden,
    404: NotFound,
    408: UpstreamTimeout,
    409: Conflict,
    413: PayloadTooLarge,
    422: BadRequest,
    429: RateLimited,
}


def error_class_for(status: int) -> type[UpstreamError]:
    if status >= 500:
        return UpstreamUnavailable
    return _BY_STATUS.get(status, UpstreamError)
