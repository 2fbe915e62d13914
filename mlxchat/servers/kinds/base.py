"""What a server kind is: its rules for a profile, the command line that starts it, when it is ready.

:class:`ServerKind` is what every kind provides; :class:`LocalKind` adds what the kinds mlxchat
starts itself share (a port, no URL), :class:`ModelServerKind` what the two MLX servers share (a
model directory they are started with, and answer to). Each kind is one module beside this one.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import TYPE_CHECKING, ClassVar

from mlxchat.errors import UsageError
from mlxchat.profile import ModelType, Profile, ServerKindName

if TYPE_CHECKING:
    from mlxchat.servers.model_dir import ModelFacts
    from mlxchat.servers.probe import Reply

PROBE_TIMEOUT = 1.0


class LaunchSpec:
    """The argv that starts a server, and the variables added to mlxchat's own environment."""

    def __init__(self, argv: list[str], env: dict[str, str] | None = None) -> None:
        self.argv = argv
        self.env = env or {}


class ServerKind(ABC):
    name: ClassVar[ServerKindName]
    is_remote: ClassVar[bool] = False
    """Runs elsewhere: mlxchat never starts or stops it, and keeps no record or log of it."""
    serves_model_path: ClassVar[bool] = False
    """Without a ``model``, requests name the model path the server was started with."""
    takes_parsers: ClassVar[bool] = False
    """Takes ``reasoning_parser`` and ``tool_call_parser`` (the installed server's choices)."""
    reads_model_dir: ClassVar[bool] = False
    """``model_path`` must be a model directory here; model type (and parser) come from its config."""
    max_images: ClassVar[int | None] = None
    """The images of a request the server uses (the last ones); None = all of them."""
    takes_videos: ClassVar[bool] = True
    """The server reads video parts (``video_url``)."""

    @abstractmethod
    def validate(self, profile: Profile) -> None:
        """The kind's rules for the profile's fields; UsageError (exit 2) naming the field."""

    @abstractmethod
    def launch_spec(self, profile: Profile) -> LaunchSpec:
        """How to start the server; UsageError when it cannot be started (bad settings, not installed)."""

    @abstractmethod
    def healthy(self, profile: Profile, timeout: float = PROBE_TIMEOUT) -> bool:
        """A cheap check for status: the server answers as ready (no completion is sent)."""

    def readiness(self, profile: Profile) -> ReadinessCheck:
        """What a start polls until the server is ready."""
        return ReadinessCheck(profile, self)

    def request_model(self, profile: Profile) -> str:
        """The model name sent in requests."""
        if profile.model:
            return profile.model
        if self.serves_model_path and profile.model_path:
            return profile.model_path
        return "default"

    def model_type_from(self, facts: ModelFacts, warnings: list[str]) -> ModelType:
        """The model type a model directory's config says (``reads_model_dir`` kinds)."""
        return "multimodal" if facts.multimodal else "lm"

    def warnings(self, profile: Profile, given: set[str]) -> list[str]:
        """What a user should know about the fields just set (``given``); nothing by default."""
        return []


class LocalKind(ServerKind):
    """A server mlxchat starts on this machine: it listens on the profile's host and port."""

    def validate(self, profile: Profile) -> None:
        if profile.url:
            raise UsageError(
                f"profile {profile.name!r}: url is only for remote profiles (local servers use host and port)"
            )
        self.validate_launch(profile)
        if not self.takes_parsers:
            for key in ("reasoning_parser", "tool_call_parser"):
                if getattr(profile, key):
                    raise UsageError(
                        f"profile {profile.name!r}: {key} is an mlx-openai-server option; "
                        f"the {self.name} server kind does not take it"
                    )

    @abstractmethod
    def validate_launch(self, profile: Profile) -> None:
        """The fields that say what is started (a model path, or a command)."""

    def launch_spec(self, profile: Profile) -> LaunchSpec:
        if profile.port is None:
            raise UsageError(
                f"profile {profile.name!r} has no port", hint=f"mlxchat profile edit {profile.name} --port N"
            )
        return self.command_line(profile)

    @abstractmethod
    def command_line(self, profile: Profile) -> LaunchSpec:
        """The argv (and environment) of the server, for a profile with a port."""

    def healthy(self, profile: Profile, timeout: float = PROBE_TIMEOUT) -> bool:
        health = self.health(profile, timeout)
        return health is not None and health.status == 200

    @staticmethod
    def health(profile: Profile, timeout: float = PROBE_TIMEOUT) -> Reply | None:
        from mlxchat.servers.probe import request  # health checks only: a chat does not pay for it

        return request(profile.base_url(), "/health", timeout=timeout)


class ModelServerKind(LocalKind):
    """An MLX server started with a model directory, which requests then name."""

    serves_model_path = True
    reads_model_dir = True
    loads_requested_model: ClassVar[str | None] = None
    """The server's name when it loads whatever model a request names (mlx_lm.server, mlx_vlm.server)."""

    def validate_launch(self, profile: Profile) -> None:
        if profile.command:
            raise UsageError(f"profile {profile.name!r}: --command is only for the 'command' server kind")
        if not profile.model_path:
            raise UsageError(f"profile {profile.name!r}: the {self.name} server kind needs --model-path")

    def warnings(self, profile: Profile, given: set[str]) -> list[str]:
        if self.loads_requested_model and profile.model and "model" in given:
            return [
                f"{self.loads_requested_model} loads whatever model a request names: with --model, "
                f"requests name {profile.model!r} instead of the model it was started with"
            ]
        return []


class ReadinessCheck:
    """Called repeatedly while a server starts; ``step()`` is True once it is ready."""

    def __init__(self, profile: Profile, kind: ServerKind) -> None:
        self.profile = profile
        self.kind = kind
        self.phase = "starting"
        """What a waiting start shows: ``starting``, ``answering, not ready yet``, ``loading the model``."""

    def step(self, remaining: float) -> bool:
        """One probe; ``remaining`` is how long the start may still wait."""
        ready = self.kind.healthy(self.profile)
        if not ready and LocalKind.health(self.profile) is not None:
            self.phase = "answering, not ready yet"
        return ready
